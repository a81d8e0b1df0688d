using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Http;

/// <summary>
/// Contract 10.1 under a crash: a real API process (<c>dotnet SweetsStore.Api.dll</c>) on the test database, killed
/// with SIGKILL at a chosen point; the client's retry with the same key goes to another host on the same database.
/// </summary>
public partial class IdempotencyCrashTests(IdempotencyFactory api) : ApiTest(api), IClassFixture<IdempotencyFactory>
{
    [Fact]
    public async Task KilledBetweenTheCommitAndTheAnswerTheRetryReplaysTheStoredAnswer()
    {
        using var process = await StartAsync();
        await using var blocker = new NpgsqlConnection(Api.ConnectionString);
        await blocker.OpenAsync();

        // The upload commits with its key, then the process enqueues the import's job into hangfire.job and only then
        // answers: holding that table keeps the process between the commit and the answer.
        await using (var tx = await blocker.BeginTransactionAsync())
        {
            await new NpgsqlCommand("LOCK TABLE hangfire.job IN ACCESS EXCLUSIVE MODE", blocker, tx).ExecuteNonQueryAsync();
            var first = SendAsync(process.Client!, "/imports/orders", Import, "crash-import");
            await WaitForAsync("SELECT count(*) FROM idempotency_keys WHERE idempotency_key = 'crash-import'");
            process.Kill();
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => first);
            await tx.RollbackAsync();
        }

        using var retry = await SendAsync(Api.CreateClient(), "/imports/orders", Import, "crash-import");

        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        Assert.Equal("true", string.Join(",", retry.Headers.GetValues("Idempotent-Replayed")));
        Assert.Equal("/imports/1", retry.Headers.Location?.ToString());
        Assert.Equal(1L, await Api.ScalarAsync<long>("SELECT count(*) FROM imports"));
    }

    [Fact]
    public async Task KilledBeforeTheCommitTheRetryIs409WhileItsTransactionLivesThenDoesTheWorkOnce()
    {
        (await PostAsync("/couriers", new { data = new[] { Fake.Courier(1).OfType("car").Build() } })).Expect(HttpStatusCode.Created);
        (await PostAsync("/orders", new { data = new[] { Fake.Order(1).Build(), Fake.Order(2).Build() } })).Expect(HttpStatusCode.Created);
        using var process = await StartAsync();
        await using var blocker = new NpgsqlConnection(Api.ConnectionString);
        await blocker.OpenAsync();
        using var retryClient = Api.CreateClient();

        // The assign claims its key, then waits for the courier's row, which the test holds.
        await using (var tx = await blocker.BeginTransactionAsync())
        {
            await new NpgsqlCommand("SELECT 1 FROM couriers WHERE courier_id = 1 FOR UPDATE", blocker, tx).ExecuteNonQueryAsync();
            var first = SendAsync(process.Client!, "/orders/assign", """{"courier_id": 1}""", "crash-assign");
            await WaitForAsync($"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1919 AND granted AND {ThisDatabase}");
            process.Kill();
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => first);

            // The dead process's transaction still holds the key until PostgreSQL notices: the key is "still running".
            using var meanwhile = await SendAsync(retryClient, "/orders/assign", """{"courier_id": 1}""", "crash-assign");
            Assert.Equal(HttpStatusCode.Conflict, meanwhile.StatusCode);
            Assert.Equal("1", meanwhile.Headers.RetryAfter?.ToString());
            await tx.RollbackAsync();
        }

        await WaitForAsync($"SELECT count(*) = 0 FROM pg_locks WHERE locktype = 'advisory' AND classid = 1919 AND {ThisDatabase}", expect: true);
        using var retry = await SendAsync(retryClient, "/orders/assign", """{"courier_id": 1}""", "crash-assign");
        using var again = await SendAsync(retryClient, "/orders/assign", """{"courier_id": 1}""", "crash-assign");

        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.False(retry.Headers.Contains("Idempotent-Replayed")); // nothing was stored: the work is done now
        Assert.Contains("\"orders\":[{\"id\":1},{\"id\":2}]", await retry.Content.ReadAsStringAsync());
        Assert.Equal(await retry.Content.ReadAsStringAsync(), await again.Content.ReadAsStringAsync());
        Assert.True(again.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(1L, await Api.ScalarAsync<long>("SELECT count(*) FROM bundles"));
    }

    [Fact]
    public async Task OnRealKestrelAnEmptyKeyIs400()
    {
        using var process = await StartAsync();

        var reply = await RawPostAsync(process.Port, "/orders/assign", """{"courier_id": 1}""", "Idempotency-Key: \r\n");

        Assert.StartsWith("HTTP/1.1 400", reply);
        Assert.Contains("""{"validation_error":{"errors":{"Idempotency-Key":["must be 1 to 255 visible ASCII characters"]}}}""", reply);
    }

    // pg_locks shows the whole cluster: the other test classes' databases too, whose keyed requests take the same
    // advisory locks (namespace 1919) while they run.
    private const string ThisDatabase = "database = (SELECT oid FROM pg_database WHERE datname = current_database())";

    private static string Import => """{"data": [{"order_id": 1, "weight": 1, "region": 1, "delivery_hours": ["09:00-18:00"]}]}""";

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string path, string body, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", key);
        request.Headers.Add("X-Api-Key", IdempotencyFactory.ApiKey);
        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    private async Task WaitForAsync(string sql, bool expect = false)
    {
        var watch = Stopwatch.StartNew();
        while (expect ? !await Api.ScalarAsync<bool>(sql) : await Api.ScalarAsync<long>(sql) == 0)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"still waiting for: {sql}");
            await Task.Delay(50);
        }
    }

    private static async Task<string> RawPostAsync(int port, string path, string body, string extraHeaders)
    {
        using var socket = new TcpClient();
        await socket.ConnectAsync(IPAddress.Loopback, port);
        var stream = socket.GetStream();
        var bytes = Encoding.UTF8.GetBytes(body);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n{extraHeaders}\r\n"));
        await stream.WriteAsync(bytes);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    private async Task<ApiProcess> StartAsync()
    {
        _ = Client; // the in-process host has migrated the database

        // Port 0: the process binds a port the kernel picks, and says which ("Now listening on"). A port probed free
        // here and handed over could be taken meanwhile (an outgoing connection's local end, from the same range).
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "SweetsStore.Api.dll")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["ConnectionStrings__Postgres"] = Api.ConnectionString,
                ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
                ["Jobs__Enabled"] = "false",
                ["Security__ApiKey"] = IdempotencyFactory.ApiKey,
                ["Logging__LogLevel__Default"] = "Warning",
                ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
            },
        };
        var process = new ApiProcess(Process.Start(start)!);
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (process.Client is { } client)
            {
                try
                {
                    using var ready = await client.GetAsync("/health/ready");
                    if (ready.IsSuccessStatusCode)
                    {
                        return process;
                    }
                }
                catch (HttpRequestException)
                {
                }
            }

            if (process.Process.HasExited || watch.Elapsed > TimeSpan.FromSeconds(90))
            {
                process.Dispose();
                throw new InvalidOperationException($"the API process did not become ready:\n{process.Output}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>The API as a process; its output is read as it comes (a pipe nobody reads would stop it once full).</summary>
    private sealed partial class ApiProcess : IDisposable
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();
        private HttpClient? _client;
        private int _port;

        public ApiProcess(Process process)
        {
            Process = process;
            Process.OutputDataReceived += (_, e) => Keep(e.Data);
            Process.ErrorDataReceived += (_, e) => Keep(e.Data);
            Process.BeginOutputReadLine();
            Process.BeginErrorReadLine();
        }

        public Process Process { get; }

        /// <summary>The port it listens on, once it has said so (else 0).</summary>
        public int Port => Volatile.Read(ref _port);

        /// <summary>A client of it, once it listens (else null).</summary>
        public HttpClient? Client => Volatile.Read(ref _client);

        public string Output => string.Join('\n', _lines);

        /// <summary>SIGKILL: no shutdown, no answer, nothing flushed.</summary>
        public void Kill()
        {
            Process.Kill();
            Process.WaitForExit();
        }

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill();
                Process.WaitForExit();
            }

            Client?.Dispose();
            Process.Dispose();
        }

        private void Keep(string? line)
        {
            if (line is null)
            {
                return;
            }

            _lines.Enqueue(line);
            if (Port == 0 && line.Contains("Now listening on", StringComparison.Ordinal) && Listening().Match(line) is { Success: true } m)
            {
                var port = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                Volatile.Write(ref _client, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(90) });
                Volatile.Write(ref _port, port);
            }
        }

        [System.Text.RegularExpressions.GeneratedRegex(@"http://127\.0\.0\.1:(\d+)")]
        private static partial System.Text.RegularExpressions.Regex Listening();
    }
}
