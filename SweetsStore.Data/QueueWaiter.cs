namespace SweetsStore.Data;

/// <summary>
/// One request waiting in a coalescing queue (<see cref="AssignQueue"/>, <see cref="CompleteQueue"/>) for its answer.
/// Its continuations run asynchronously, so answering never runs the caller's code on the batch's flow. Answering or
/// failing ends its cancellation registration (the queue's withdrawal of it while it waits).
/// </summary>
internal abstract class QueueWaiter<T>(CancellationToken ct) : TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously)
{
    public CancellationToken Ct { get; } = ct;

    public CancellationTokenRegistration Registration { get; set; }

    /// <summary>The request's own cancellation ends it as cancelled; any other error, as that error.</summary>
    public void Fail(Exception error)
    {
        Registration.Unregister();
        if (error is OperationCanceledException && Ct.IsCancellationRequested)
        {
            TrySetCanceled(Ct);
        }
        else
        {
            TrySetException(error);
        }
    }

    protected void Resolve(T answer)
    {
        Registration.Unregister();
        TrySetResult(answer);
    }
}
