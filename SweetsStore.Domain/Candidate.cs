namespace SweetsStore.Domain;

/// <summary>An unassigned order the engine may choose. <paramref name="Age"/>: lower is older (import sequence).</summary>
public readonly record struct Candidate(long OrderId, Weight Weight, long Age);
