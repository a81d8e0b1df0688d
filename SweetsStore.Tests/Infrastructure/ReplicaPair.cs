using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using SweetsStore.Data;

namespace SweetsStore.Tests.Infrastructure;

/// <summary>
/// A primary and its synchronous streaming standby of their own (not the shared test cluster), made by the same
/// helpers as scripts/ha-local.sh and the reliability suite's failover drill (scripts/pg-ha.sh): initdb, the
/// schema migrated on the primary, pg_basebackup over a replication slot. About 3-5 s on these machines. Needs the
/// PostgreSQL server binaries (./test.sh installs them; PG_BIN or /usr/lib/postgresql/*/bin).
/// </summary>
public sealed class ReplicaPair : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sweetsstore-pair.").FullName;
    private string _password = "";

    public int PrimaryPort { get; private set; }

    public int StandbyPort { get; private set; }

    /// <summary>The primary's connection string (a single host).</summary>
    public string Primary => Single(PrimaryPort);

    /// <summary>The standby's connection string (a single host).</summary>
    public string Standby => Single(StandbyPort);

    /// <summary>Both hosts, as the API is given them in production: it finds the primary itself.</summary>
    public string BothHosts => Hosts(PrimaryPort, StandbyPort);

    /// <summary>A connection string naming these loopback ports as hosts, in this order.</summary>
    public string Hosts(params int[] ports) =>
        $"Host={string.Join(',', ports.Select(p => $"127.0.0.1:{p}"))};Database=sweetsstore;Username=sweetsstore;Password={_password}";

    public string Single(int port) => $"Host=127.0.0.1;Port={port};Database=sweetsstore;Username=sweetsstore;Password={_password}";

    public async Task InitializeAsync()
    {
        PrimaryPort = int.Parse(await ShellAsync(
            """
            chmod 755 "$DIR" # the postgres OS user (under root) must reach the clusters inside
            pg_init "$DIR/n1"
            port=$(pg_free_port)
            pg_start "$DIR/n1" "$port" "${PG_HA_SETTINGS[@]}" -c fsync=off -c max_connections=60 >&2
            pg_create_database "$DIR/n1" "$port" sweetsstore
            echo "$port"
            """));
        _password = (await File.ReadAllTextAsync(Path.Combine(_dir, "n1", "password"))).Trim();
        await TestDatabase.MigrateAsync(Primary);

        StandbyPort = int.Parse(await ShellAsync(
            $$"""
            pg_ha_standby "$DIR/n1" {{PrimaryPort}} "$DIR/n2" n2
            port=$(pg_free_port)
            pg_start "$DIR/n2" "$port" "${PG_HA_SETTINGS[@]}" -c fsync=off -c max_connections=60 >&2
            pg_ha_sync "$DIR/n1" {{PrimaryPort}} n2
            pg_ha_wait_streaming "$DIR/n1" {{PrimaryPort}} n2 sync 60
            echo "$port"
            """));
    }

    /// <summary>
    /// kill -9 of the primary's postmaster, as the failover drill does, returning once its backends are gone too (60 s
    /// at most, else it fails): an orphaned backend serves the connection it holds until it notices the postmaster's
    /// death, so a request in that moment can still succeed (the drill counts those; a test asserting "no primary" must
    /// wait them out).
    /// </summary>
    public Task KillPrimaryAsync() => ShellAsync(
        """
        pid=$(head -n 1 "$DIR/n1/pgdata/postmaster.pid")
        children=$(ps --ppid "$pid" -o pid= | tr '\n' ' ')
        pg_ha_kill_postmaster "$DIR/n1"
        for _ in $(seq 600); do
          alive=
          for child in $children; do
            state=$(ps -o stat= -p "$child" 2>/dev/null) || continue
            [[ $state == Z* ]] || alive=1 # a zombie serves nothing
          done
          [[ -z $alive ]] && break
          sleep 0.1
        done
        if [[ -n $alive ]]; then
          echo "a backend of the killed primary is still alive after 60 s" >&2
          exit 1
        fi
        """);

    /// <summary>Promotes the standby (what an HA manager does once the primary is gone); returns when it takes writes.</summary>
    public Task PromoteStandbyAsync() => ShellAsync("pg_ha_promote \"$DIR/n2\"");

    /// <summary>Runs SQL on one of the two servers, returning the first column of the first row.</summary>
    public async Task<object?> ScalarAsync(int port, string sql)
    {
        await using var connection = new NpgsqlConnection(Single(port) + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await ShellAsync("pg_stop \"$DIR/n2\"; pg_stop \"$DIR/n1\"; true");
        Directory.Delete(_dir, recursive: true);
    }

    private async Task<string> ShellAsync(string script)
    {
        var start = new ProcessStartInfo("bash")
        {
            WorkingDirectory = RepositoryRoot(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList =
            {
                "-c",
                "set -euo pipefail; source scripts/pg.sh; source scripts/pg-ha.sh; pg_ensure_binaries; " + script,
            },
            Environment = { ["DIR"] = _dir },
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/pg-ha.sh step failed ({process.ExitCode}): {await errors}\n{script}");
        }

        return (await output).Trim();
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "scripts", "pg-ha.sh")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("scripts/pg-ha.sh not found above " + AppContext.BaseDirectory);
    }
}
