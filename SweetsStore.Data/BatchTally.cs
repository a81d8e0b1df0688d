namespace SweetsStore.Data;

/// <summary>
/// What a coalescing queue (<see cref="AssignQueue"/>, <see cref="CompleteQueue"/>) has run: its transactions, the
/// requests they held, the largest and the last one's size. The four are read together, so they change together.
/// </summary>
internal sealed class BatchTally
{
    private readonly Lock _gate = new();
    private long _batches;
    private long _requests;
    private int _largest;
    private int _last;

    public (long Batches, long Requests, int Largest, int Last) Seen
    {
        get
        {
            lock (_gate)
            {
                return (_batches, _requests, _largest, _last);
            }
        }
    }

    public void Count(int size)
    {
        lock (_gate)
        {
            _batches++;
            _requests += size;
            _largest = Math.Max(_largest, size);
            _last = size;
        }
    }
}
