namespace SweetsStore.Api.Contracts;

/// <summary>Every message a client can see for bad input, in one place.</summary>
internal static class Messages
{
    public const string Required = "is required";
    public const string NotNull = "must not be null";
    public const string UnknownField = "unknown field";
    public const string RepeatedField = "is given more than once";
    public const string Id = "must be an integer ≥ 1";
    public const string Region = "must be an integer from 1 to 2147483647";
    public const string IntegerList = "must be an array of integers from 1 to 2147483647";
    public const string IntervalList = "must be an array of \"HH:MM-HH:MM\" strings";
    public const string Interval = "must be a string \"HH:MM-HH:MM\"";
    public const string CourierType = "must be one of \"foot\", \"bike\", \"car\"";
    public const string Weight = "must be a number from 0.01 to 50 with at most two decimals";
    public const string Timestamp = "must be an RFC 3339 timestamp with seconds and an offset, e.g. \"2026-01-10T10:33:01.42Z\"";
    public const string Object = "must be a JSON object";
    public const string Array = "must be an array";
    public const string DuplicateInBatch = "repeats an id given earlier in this batch";
    public const string AlreadyExists = "already exists";
    public const string TooMany = "has more than {0} elements";
    public const string Unreadable = "could not be read";
}
