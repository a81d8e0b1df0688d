namespace SweetsStore.Data;

/// <summary>
/// Transactions the coalescing queues started and the requests they took (<see cref="DeliveryService.Batches"/>). A
/// courier whose claim lost a race and went back to the queue counts again as a request of its next batch; completes
/// that run alone after a batch (their courier was held, or the batch failed) and keyed completes are not counted.
/// </summary>
public readonly record struct WriteBatches(long AssignTransactions, long Assigns, long CompleteTransactions, long Completes);
