namespace SweetsStore.Api.Contracts;

/// <summary>
/// The ids one import has seen, for its "repeated in this batch" check: a set of longs in one array (open addressing,
/// linear probing, at most three quarters full), 8 bytes a slot where <see cref="HashSet{T}"/> of long takes 20 (an
/// entry of 16 and a bucket of 4); for 1,000,000 ids 16 MiB against 27 MiB, and against 41 MiB while it grows
/// (docs/decisions/0016, "An import's id set"). Both halves of an id are hashed by <see cref="HashCode"/>, which is seeded
/// at random per process: <c>long.GetHashCode</c> folds the halves together, so in a HashSet ids an importer picks (every
/// i·(2³²+1) hashes to 0) make each add walk all the ones before it.
/// </summary>
internal sealed class IdSet
{
    private const int FirstCapacity = 16;

    // A free slot holds 0; the id 0 (refused as an id, but still checked for repeats) is kept apart.
    private long[] _slots = new long[FirstCapacity];
    private int _used;
    private bool _hasZero;

    /// <summary>Equality of ids with the same hash, for a dictionary keyed by ids an importer sent.</summary>
    public static IEqualityComparer<long> Comparer { get; } = new IdComparer();

    public int Count => _used + (_hasZero ? 1 : 0);

    /// <summary>True when <paramref name="id"/> was not in the set (it is now), false when it was.</summary>
    public bool Add(long id)
    {
        if (id == 0)
        {
            var added = !_hasZero;
            _hasZero = true;
            return added;
        }

        if ((_used + 1) * 4L > _slots.Length * 3L)
        {
            Grow();
        }

        if (!Insert(_slots, id))
        {
            return false;
        }

        _used++;
        return true;
    }

    public bool Contains(long id)
    {
        if (id == 0)
        {
            return _hasZero;
        }

        var mask = _slots.Length - 1;
        for (var i = Slot(id, mask); ; i = (i + 1) & mask)
        {
            if (_slots[i] == id)
            {
                return true;
            }

            if (_slots[i] == 0)
            {
                return false;
            }
        }
    }

    /// <summary>The ids, in no particular order (tests compare them as sets).</summary>
    internal IEnumerable<long> Items()
    {
        if (_hasZero)
        {
            yield return 0;
        }

        foreach (var id in _slots)
        {
            if (id != 0)
            {
                yield return id;
            }
        }
    }

    // Both halves go in: HashCode.Combine(id) would hash long.GetHashCode(), the halves folded already.
    internal static int Hash(long id) => HashCode.Combine(unchecked((int)id), (int)(id >> 32));

    private static int Slot(long id, int mask) => Hash(id) & mask;

    /// <summary>Puts a non-zero id in its slot; false when it is there already.</summary>
    private static bool Insert(long[] slots, long id)
    {
        var mask = slots.Length - 1;
        for (var i = Slot(id, mask); ; i = (i + 1) & mask)
        {
            if (slots[i] == id)
            {
                return false;
            }

            if (slots[i] == 0)
            {
                slots[i] = id;
                return true;
            }
        }
    }

    private void Grow()
    {
        var bigger = new long[checked(_slots.Length * 2)];
        foreach (var id in _slots)
        {
            if (id != 0)
            {
                Insert(bigger, id);
            }
        }

        _slots = bigger;
    }

    private sealed class IdComparer : IEqualityComparer<long>
    {
        public bool Equals(long x, long y) => x == y;

        public int GetHashCode(long id) => Hash(id);
    }
}
