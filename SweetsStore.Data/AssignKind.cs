namespace SweetsStore.Data;

/// <summary>What an assign answered (the outcome label of the <c>sweetsstore.assigns</c> metric).</summary>
public enum AssignKind
{
    /// <summary>A new bundle, chosen now.</summary>
    New,

    /// <summary>The courier's open bundle again, unchanged.</summary>
    Repeat,

    /// <summary>Nothing fits: <c>{"orders": []}</c>, no bundle made.</summary>
    Empty,
}
