using Npgsql;
using NpgsqlTypes;
using SweetsStore.Domain;

namespace SweetsStore.Data;

/// <summary>
/// One courier's candidate read of the pool (<see cref="Pool"/>), in as few statements as it takes: the first reads
/// <see cref="AssignmentEngine.FirstReadPerRegion"/> orders per region, lightest first; while a best bundle may lie
/// beyond what was read, the next reads on in only the regions that were cut, from the weight where each was cut —
/// up to the heaviest weight a best bundle can use once that is known (then one more statement always suffices), or
/// four times as many rows while it is not (docs/decisions/0016, "Tight first reads").
/// </summary>
/// <remarks>
/// A region whose read returned fewer rows than the limit is complete. One that returned the limit was cut at the
/// weight of its last row: its rows lighter than that are held, those of that weight are dropped and read again by the
/// next statement, which starts at that weight. The horizon is the lightest weight at which a region is still cut:
/// below it the rows held are every candidate there is. When those rows do not all fit together they fix the largest
/// count and the heaviest useful weight (<see cref="AssignmentEngine.TryFindCutoff"/>), which rows at or above the
/// horizon cannot change: the next statement then reads, in the cut regions that start at or below it, every row up
/// to that weight. Each statement takes its own snapshot, as the halves of a batch's reads do; the claim re-checks
/// every order.
/// </remarks>
internal sealed class PoolRead
{
    private readonly int[] _regions;
    private readonly Weight _capacity;
    private readonly NpgsqlRange<int>[] _hours;
    private readonly List<(int Region, Candidate Row)> _held = [];
    private IReadOnlyCollection<long> _excluded;

    // Per region: the weight its next read starts at, and whether it may hold rows not read yet.
    private readonly int[] _from;
    private readonly bool[] _cut;

    // The next statement: the regions it reads (indexes into _regions), up to which weight, and whether it reads every
    // row up to that weight (the cut-off is known) or at most Limit rows per region.
    private int[] _next;
    private int _upTo;
    private bool _toCutoff;

    public PoolRead(int[] regions, Weight capacity, NpgsqlRange<int>[] hours, IReadOnlyCollection<long> excluded)
    {
        _regions = regions;
        _capacity = capacity;
        _hours = hours;
        _excluded = excluded;
        _from = new int[regions.Length];
        _cut = new bool[regions.Length];
        _next = Enumerable.Range(0, regions.Length).ToArray();
        _upTo = capacity.HundredthsOfKg;
        Limit = AssignmentEngine.FirstReadPerRegion(capacity);
        Done = regions.Length == 0;
    }

    /// <summary>Rows per region a statement that does not know the cut-off takes.</summary>
    public int Limit { get; private set; }

    /// <summary>Statements taken so far.</summary>
    public int Statements { get; private set; }

    /// <summary>Whether <see cref="Candidates"/> holds every order a best bundle can use.</summary>
    public bool Done { get; private set; }

    /// <summary>Every candidate below <see cref="Horizon"/>, in the order read (once <see cref="Done"/>).</summary>
    public List<Candidate> Candidates { get; private set; } = [];

    /// <summary>The weight from which a region may hold unread rows (<see cref="int.MaxValue"/>: none).</summary>
    public int Horizon { get; private set; } = int.MaxValue;

    /// <summary>The next statement, as a command of a batch (several couriers' reads share a round trip).</summary>
    public NpgsqlBatchCommand BatchCommand() => Sql.BatchCommand(Pool.Text(_excluded), Parameters());

    /// <summary>The next statement.</summary>
    public NpgsqlCommand Command(NpgsqlConnection connection) => Sql.Command(connection, Pool.Text(_excluded), Parameters());

    /// <summary>Runs its statements on <paramref name="connection"/> (one after another) until it is <see cref="Done"/>.</summary>
    public async Task ReadOnAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        while (!Done)
        {
            await using var command = Command(connection);
            await using var reader = await command.ExecuteReaderAsync(ct);
            await TakeAsync(reader, ct);
        }
    }

    /// <summary>Takes the rows of the next statement (the reader positioned on its result).</summary>
    public async Task TakeAsync(NpgsqlDataReader reader, CancellationToken ct)
    {
        var rows = new int[_regions.Length];
        var heaviest = new int[_regions.Length];
        var read = new List<(int Region, Candidate Row)>(Math.Min(_next.Length * Limit, 4096));
        var at = 0; // the previous row's region: rows come region by region, but nothing depends on it
        while (await reader.ReadAsync(ct))
        {
            var region = reader.GetInt32(0);
            if (_regions[at] != region)
            {
                at = Array.IndexOf(_regions, region);
            }

            var weight = reader.GetInt32(2);
            read.Add((at, new Candidate(reader.GetInt64(1), Weight.FromHundredthsOfKg(weight), reader.GetInt64(3))));
            rows[at]++;
            heaviest[at] = Math.Max(heaviest[at], weight);
        }

        Statements++;
        foreach (var region in _next)
        {
            if (_toCutoff)
            {
                _from[region] = _upTo + 1; // every row up to the cut-off is read; heavier ones are of no use
            }
            else
            {
                _cut[region] = rows[region] >= Limit;
                if (_cut[region])
                {
                    _from[region] = heaviest[region];
                }
            }
        }

        // A cut region's rows of the weight it was cut at come again with its next read.
        foreach (var row in read)
        {
            if (!_cut[row.Region] || row.Row.Weight.HundredthsOfKg < _from[row.Region])
            {
                _held.Add(row);
            }
        }

        var grow = !_toCutoff;
        Settle();
        if (!Done && !_toCutoff && grow)
        {
            Limit = checked(Limit * 4);
        }
    }

    /// <summary>
    /// Leaves out <paramref name="ids"/> (orders chosen meanwhile by couriers before this one): drops those it holds and
    /// excludes them from its further statements. Returns whether it held any; then it may no longer be
    /// <see cref="Done"/> (a best bundle may now lie beyond what was read) and reads on.
    /// </summary>
    public bool Exclude(IReadOnlySet<long> ids)
    {
        if (!_held.Exists(r => ids.Contains(r.Row.OrderId)))
        {
            return false;
        }

        _held.RemoveAll(r => ids.Contains(r.Row.OrderId));
        _excluded = [.. _excluded, .. ids];
        Settle();
        return true;
    }

    /// <summary>What the rows held give: the horizon, and the candidates below it when they are enough, else the next statement.</summary>
    private void Settle()
    {
        var horizon = int.MaxValue;
        for (var i = 0; i < _regions.Length; i++)
        {
            if (_cut[i])
            {
                horizon = Math.Min(horizon, _from[i]);
            }
        }

        var candidates = new List<Candidate>(_held.Count);
        foreach (var (_, row) in _held)
        {
            if (row.Weight.HundredthsOfKg < horizon)
            {
                candidates.Add(row);
            }
        }

        Candidates = candidates;
        Horizon = horizon;
        if (horizon == int.MaxValue)
        {
            Done = true;
            return;
        }

        var weights = new int[candidates.Count];
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = candidates[i].Weight.HundredthsOfKg;
        }

        Array.Sort(weights);
        _toCutoff = AssignmentEngine.TryFindCutoff(weights, _capacity, out _, out var heaviestUseful);
        Done = _toCutoff && heaviestUseful < horizon;
        if (Done)
        {
            return;
        }

        // Read on: up to the cut-off in the cut regions that start at or below it, or the next Limit rows in every cut region.
        _upTo = _toCutoff ? heaviestUseful : _capacity.HundredthsOfKg;
        _next = Enumerable.Range(0, _regions.Length).Where(i => _cut[i] && _from[i] <= _upTo).ToArray();
    }

    private NpgsqlParameter[] Parameters()
    {
        var regions = new int[_next.Length];
        var lightest = new int[_next.Length];
        for (var i = 0; i < _next.Length; i++)
        {
            regions[i] = _regions[_next[i]];
            lightest[i] = _from[_next[i]];
        }

        return Pool.Parameters(regions, lightest, _upTo, _hours, _toCutoff ? int.MaxValue : Limit, _excluded);
    }
}
