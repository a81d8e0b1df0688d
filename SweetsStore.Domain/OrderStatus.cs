namespace SweetsStore.Domain;

/// <summary>Where an order stands.</summary>
public enum OrderStatus
{
    /// <summary>In the pool: in no bundle, waiting for an assign.</summary>
    Pending,

    /// <summary>In a courier's bundle, not delivered yet.</summary>
    Assigned,

    /// <summary>Delivered (it has a complete time).</summary>
    Completed,
}
