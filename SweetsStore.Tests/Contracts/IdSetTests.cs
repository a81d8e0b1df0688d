using SweetsStore.Api.Contracts;

namespace SweetsStore.Tests.Contracts;

public class IdSetTests
{
    [Fact]
    public void AnswersAsAHashSetDoesForTheSameAdds()
    {
        var random = new Random(7);
        long[] edges = [0, 1, -1, long.MaxValue, long.MinValue, 1L << 32, (1L << 32) + 1];
        var set = new IdSet();
        var expected = new HashSet<long>();
        for (var i = 0; i < 200_000; i++)
        {
            // Repeats are common (a pool of 150,000 values), and so are the edge values.
            var id = i % 97 == 0 ? edges[random.Next(edges.Length)] : random.NextInt64(-75_000, 75_000) * 1_000_003;
            Assert.Equal(expected.Add(id), set.Add(id));
        }

        Assert.Equal(expected.Count, set.Count);
        Assert.Equal(expected.Order(), set.Items().Order());
        Assert.All(edges, id => Assert.True(set.Contains(id)));
        Assert.False(set.Contains(2));
        Assert.False(set.Contains(1_000_004));
    }

    [Fact]
    public void GrowsPastItsFirstSlotsWithoutLosingAnId()
    {
        var set = new IdSet();
        for (var id = 1L; id <= 100_000; id++)
        {
            Assert.True(set.Add(id));
        }

        for (var id = 1L; id <= 100_000; id++)
        {
            Assert.False(set.Add(id));
        }

        Assert.Equal(100_000, set.Count);
        Assert.False(set.Contains(100_001));
        Assert.False(set.Contains(0));
    }

    [Theory]
    [InlineData(4_294_967_297L)] // 2³² + 1: long.GetHashCode() of every multiple is 0
    [InlineData(1L << 32)]       // the low half 0, the high half i: long.GetHashCode() is i, a run of neighbours
    [InlineData(1L << 21)]
    public void IdsAnImporterPicksDoNotShareAHash(long step)
    {
        // 50,000 ids whose folded halves collide or line up: their hashes must spread like random ones (32 bits: a
        // handful of collisions at most), or a set of them is walked one by one.
        var hashes = Enumerable.Range(1, 50_000).Select(i => IdSet.Hash(i * step)).ToHashSet();
        Assert.True(hashes.Count > 49_900, $"{hashes.Count} distinct hashes of 50,000");
        Assert.Equal(IdSet.Comparer.GetHashCode(3 * step), IdSet.Hash(3 * step));
        Assert.True(IdSet.Comparer.Equals(step, step));
    }
}
