namespace SweetsStore.Domain;

/// <summary>How a bundle was chosen; <see cref="Exact"/> is false only when the fallback ran.</summary>
public readonly record struct Selection(IReadOnlyList<Candidate> Orders, Weight Total, bool Exact);
