namespace SweetsStore.Domain;

/// <summary>Why an open order went back to the pool after a courier was edited.</summary>
public enum ReleaseReason
{
    Region,
    Hours,
    Capacity,
}
