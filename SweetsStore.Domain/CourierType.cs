namespace SweetsStore.Domain;

/// <summary>How a courier travels; fixes the capacity and the earnings coefficient.</summary>
public enum CourierType
{
    Foot,
    Bike,
    Car,
}
