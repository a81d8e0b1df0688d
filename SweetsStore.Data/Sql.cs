using Npgsql;
using NpgsqlTypes;
using SweetsStore.Domain;

namespace SweetsStore.Data;

/// <summary>Small helpers for hand-written SQL: positional parameters and domain values.</summary>
internal static class Sql
{
    public static NpgsqlCommand Command(NpgsqlConnection connection, string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddRange(parameters);
        return command;
    }

    public static NpgsqlBatchCommand BatchCommand(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    public static NpgsqlParameter<T> P<T>(T value) => new() { TypedValue = value };

    public static NpgsqlParameter<T> P<T>(T value, NpgsqlDbType type) => new() { TypedValue = value, NpgsqlDbType = type };

    public static NpgsqlParameter<string> P(CourierType value) => new() { TypedValue = value.ToContractName(), NpgsqlDbType = NpgsqlDbType.Text };

    public static NpgsqlParameter<NpgsqlRange<int>[]> P(Schedule schedule) =>
        new() { TypedValue = Multirange(schedule), NpgsqlDbType = NpgsqlDbType.IntegerMultirange };

    /// <summary>A schedule as half-open minute-of-day ranges for an <c>int4multirange</c>.</summary>
    public static NpgsqlRange<int>[] Multirange(Schedule schedule)
    {
        var segments = schedule.Segments();
        var ranges = new NpgsqlRange<int>[segments.Count];
        for (var i = 0; i < ranges.Length; i++)
        {
            ranges[i] = new NpgsqlRange<int>(segments[i].Start, true, segments[i].End, false);
        }

        return ranges;
    }

    public static CourierType GetCourierType(this NpgsqlDataReader reader, int ordinal) =>
        CourierTypes.TryParse(reader.GetString(ordinal), out var type)
            ? type
            : throw new InvalidOperationException("unknown courier type in database");

    public static Schedule ParseSchedule(string[] windows) => new(windows.Select(TimeWindow.Parse).ToArray());
}
