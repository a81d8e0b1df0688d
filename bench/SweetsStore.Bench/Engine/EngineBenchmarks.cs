using BenchmarkDotNet.Attributes;
using Bogus;
using SweetsStore.Domain;

namespace SweetsStore.Bench.Engine;

/// <summary>
/// AssignmentEngine.Choose on 1,000 and 10,000 candidates with the pool's weight distribution (uniform 0.01–50 kg,
/// so the engine also drops those above the capacity), for each courier capacity.
/// </summary>
[MemoryDiagnoser]
public class EngineBenchmarks
{
    private Candidate[] _candidates = [];
    private Weight _capacity;

    [Params(1_000, 10_000)]
    public int Candidates { get; set; }

    [Params(1_000, 1_500, 5_000)]
    public int CapacityCg { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _candidates = Make(Candidates, 5000, seed: 20261122 + Candidates);
        _capacity = Weight.FromHundredthsOfKg(CapacityCg);
    }

    [Benchmark]
    public Selection Choose() => AssignmentEngine.Choose(_candidates, _capacity);

    /// <summary>Candidates with weights uniform in 1..<paramref name="maxCg"/>, ages a random permutation.</summary>
    public static Candidate[] Make(int count, int maxCg, int seed)
    {
        var random = new Randomizer(seed);
        var ages = random.Shuffle(Enumerable.Range(1, count)).ToArray();
        return Enumerable.Range(0, count)
            .Select(i => new Candidate(i + 1, Weight.FromHundredthsOfKg(random.Int(1, maxCg)), ages[i]))
            .ToArray();
    }
}
