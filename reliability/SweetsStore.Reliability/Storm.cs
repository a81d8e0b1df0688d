using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using NodaTime;
using NodaTime.Text;

namespace SweetsStore.Reliability;

/// <summary>
/// Many concurrent clients, each request sent to a random API process: a courier asks for a bundle
/// (<c>POST /orders/assign</c>) and completes every order it got, with increasing complete times from the
/// assign time on (<c>POST /orders/complete</c>); some clients edit couriers (<c>PATCH /couriers/{id}</c>) or
/// read them. Clients pick couriers at random, so one courier is often worked from two processes at once.
/// Every completion answered 200 is written to <c>--acked</c> so the database can be checked for it afterwards;
/// <c>--acked-detail</c> also writes every acknowledged bundle and the times (what was answered, and when), so a
/// failover drill can tell an acknowledged write that the new primary lacks. <c>--events</c>: see <see cref="Failover"/>.
/// </summary>
public static class Storm
{
    // A completion may be refused only because a concurrent PATCH released the order (then it is pending or
    // someone else's): those are the contract's answers, not failures.
    private static readonly string[] ReleasedReasons = ["is not assigned to a courier", "is assigned to another courier"];

    public static async Task<int> RunAsync(Options options)
    {
        var urls = options.List("urls").Select(u => u.TrimEnd('/')).ToArray();
        var clients = options.Int("clients");
        var seconds = options.Int("seconds");
        var couriers = options.Int("couriers");
        var regions = options.Int("regions");
        var patchPercent = options.Int("patch-percent", 2);
        var getPercent = options.Int("get-percent", 5);
        var allow503 = options.Flag("allow-503");
        var allowTransport = options.Flag("allow-transport-errors");
        var failover = options.Flag("failover");
        var acked = options.Maybe("acked");
        var seed = options.Int("seed", 42);
        var ackedDetail = options.Maybe("acked-detail");
        var backoff503 = options.Int("backoff-503-ms", 0);
        var events = options.Maybe("events");
        var stopFile = options.Maybe("stop-file");
        var stopped = false;
        var failoverWatch = events is null ? null : new Failover(urls, events);
        var details = new ConcurrentQueue<string>();

        using var api = new ApiClient(clients * 2, TimeSpan.FromSeconds(60));
        var recorder = new Recorder();
        var timeline = new Timeline();
        var completed = new ConcurrentQueue<(long Order, long Courier)>();
        var perUrl = new ConcurrentDictionary<string, long>();
        var bundles = 0L;
        var emptyAssigns = 0L;
        var deadline = Stopwatch.StartNew();
        var limit = TimeSpan.FromSeconds(seconds);
        var down = new ConcurrentDictionary<string, bool>();
        var rotation = new ConcurrentQueue<string>();

        // With --failover the client acts like a load balancer with health checks: a process that does not
        // answer leaves the rotation and comes back once its /health/ready says 200.
        string Pick(Random random)
        {
            var up = urls.Where(u => !down.ContainsKey(u)).ToArray();
            return up.Length == 0 ? urls[random.Next(urls.Length)] : up[random.Next(up.Length)];
        }

        async Task WatchAsync(string url)
        {
            rotation.Enqueue(string.Create(CultureInfo.InvariantCulture, $"{url} left the rotation at {deadline.Elapsed.TotalSeconds:0.0} s (no answer)"));
            while (true)
            {
                await Task.Delay(250);
                var ready = await api.GetAsync(url + "/health/ready");
                if (ready.Status == 200)
                {
                    down.TryRemove(url, out _);
                    rotation.Enqueue(string.Create(CultureInfo.InvariantCulture, $"{url} back in the rotation at {deadline.Elapsed.TotalSeconds:0.0} s (ready)"));
                    return;
                }
            }
        }

        async Task<Reply> Send(string endpoint, HttpMethod method, string path, string? body, Random random)
        {
            var url = failover ? Pick(random) : urls[random.Next(urls.Length)];
            var started = Stopwatch.GetTimestamp();
            var sent = Failover.Now();
            var reply = await api.SendAsync(method, url + path, body);
            timeline.Record(started, reply.Status);
            failoverWatch?.Record(new Sample(sent, Failover.Now(), url, endpoint, reply.Status, reply.IsJson, reply.RetryAfter));
            if (reply.Status == 503 && backoff503 > 0)
            {
                await Task.Delay(backoff503); // as a client that honours Retry-After, if impatiently
            }

            perUrl.AddOrUpdate(url, 1, (_, n) => n + 1);
            if (reply.Status == 0)
            {
                recorder.Record(endpoint, reply);
                if (!allowTransport)
                {
                    recorder.Unexpected(endpoint, reply, "no answer");
                }

                if (failover && down.TryAdd(url, true))
                {
                    _ = Task.Run(() => WatchAsync(url));
                }

                await Task.Delay(50); // a dead process refuses at once: do not spin on it
                return reply;
            }

            string? reason = null;
            if (reply.Status >= 400)
            {
                reason = Reason(reply.Body);
                var leak = Leaks.Find(reply.Body);
                if (leak is not null)
                {
                    recorder.Unexpected(endpoint, reply, $"leaks \"{leak}\"");
                }
                else if (!reply.IsJson)
                {
                    recorder.Unexpected(endpoint, reply, "error body is not JSON");
                }
                else if (reply.Status == 503 && allow503)
                {
                    // The database is down on purpose: 503 with a JSON body is the right answer.
                }
                else if (reply.Status >= 500)
                {
                    recorder.Unexpected(endpoint, reply, "server error");
                }
            }

            recorder.Record(endpoint, reply, reason);
            return reply;
        }

        async Task AssignAndComplete(long courier, Random random)
        {
            var assign = await Send("POST /orders/assign", HttpMethod.Post, "/orders/assign", $"{{\"courier_id\":{courier}}}", random);
            if (assign.Status != 200)
            {
                if (assign.Status is >= 400 and < 500)
                {
                    recorder.Unexpected("POST /orders/assign", assign, "assign refused");
                }

                return;
            }

            using var json = JsonDocument.Parse(assign.Body);
            var orders = json.RootElement.GetProperty("orders").EnumerateArray().Select(o => o.GetProperty("id").GetInt64()).ToArray();
            if (orders.Length == 0)
            {
                Interlocked.Increment(ref emptyAssigns);
                return;
            }

            Interlocked.Increment(ref bundles);
            var assignTime = json.RootElement.GetProperty("assign_time").GetString()!;
            var at = InstantPattern.ExtendedIso.Parse(assignTime).GetValueOrThrow();
            details.Enqueue($"assign,{orders[0]},{courier},{assignTime},{Failover.Now()}");
            foreach (var order in orders)
            {
                at += Duration.FromSeconds(random.Next(1, 900)) + Duration.FromMilliseconds(random.Next(1000));
                var body = $"{{\"courier_id\":{courier},\"order_id\":{order},\"complete_time\":\"{InstantPattern.ExtendedIso.Format(at)}\"}}";
                var reply = await Send("POST /orders/complete", HttpMethod.Post, "/orders/complete", body, random);
                if (reply.Status == 200)
                {
                    completed.Enqueue((order, courier));
                    details.Enqueue($"complete,{order},{courier},{InstantPattern.ExtendedIso.Format(at)},{Failover.Now()}");
                }
                else if (reply.Status == 400 && !(patchPercent > 0 && ReleasedReasons.Any(r => reply.Body.Contains(r, StringComparison.Ordinal))))
                {
                    recorder.Unexpected("POST /orders/complete", reply, "complete refused");
                }
            }
        }

        async Task Client(int index)
        {
            var random = new Random(seed * 1000 + index);
            while (deadline.Elapsed < limit && !Volatile.Read(ref stopped))
            {
                var courier = random.Next(1, couriers + 1);
                var roll = random.Next(100);
                if (roll < patchPercent)
                {
                    var reply = await Send("PATCH /couriers/{id}", HttpMethod.Patch, $"/couriers/{courier}", Seeding.Patch(random, regions), random);
                    if (reply.Status is >= 400 and < 500)
                    {
                        recorder.Unexpected("PATCH /couriers/{id}", reply, "patch refused");
                    }
                }
                else if (roll < patchPercent + getPercent)
                {
                    var reply = await Send("GET /couriers/{id}", HttpMethod.Get, $"/couriers/{courier}", null, random);
                    if (reply.Status is >= 400 and < 500)
                    {
                        recorder.Unexpected("GET /couriers/{id}", reply, "courier not found");
                    }
                }
                else
                {
                    await AssignAndComplete(courier, random);
                }
            }
        }

        Console.WriteLine($"storm: {clients} clients over {urls.Length} processes ({string.Join(", ", urls)}), {seconds} s, couriers 1..{couriers}, " +
            $"{patchPercent}% PATCH, {getPercent}% GET, the rest assign + complete");
        // --stop-file: the storm ends early once that file exists (run.sh decides when it has seen enough).
        var stopWatch = stopFile is null ? Task.CompletedTask : Task.Run(async () =>
        {
            while (deadline.Elapsed < limit && !File.Exists(stopFile))
            {
                await Task.Delay(100);
            }

            Volatile.Write(ref stopped, true);
        });
        var clientsDone = false;
        var readiness = failoverWatch?.WatchReadinessAsync(api, () => Volatile.Read(ref clientsDone)) ?? Task.CompletedTask;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(i => Task.Run(() => Client(i))));
        Volatile.Write(ref clientsDone, true);
        await readiness;
        await stopWatch;
        var elapsed = deadline.Elapsed.TotalSeconds;

        if (acked is not null)
        {
            await File.WriteAllLinesAsync(acked, completed.Select(c => $"{c.Order},{c.Courier}"));
        }

        if (ackedDetail is not null)
        {
            await File.WriteAllLinesAsync(ackedDetail, details);
        }

        var total = recorder.Count(_ => true);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"storm done: {total} requests in {elapsed:0.0} s = {total / elapsed:0} req/s; {bundles} non-empty bundles handed out, {emptyAssigns} empty assigns; {completed.Count} completions acknowledged (200)"));
        Console.WriteLine("  per process: " + string.Join(", ", perUrl.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value}")));
        foreach (var change in rotation)
        {
            Console.WriteLine("  " + change);
        }

        Console.Write(recorder.Report());
        if (options.Flag("timeline"))
        {
            Console.Write(timeline.Report());
        }

        var serverErrors = recorder.Count(s => s >= 500);
        var unanswered = recorder.Count(s => s == 0);
        Console.WriteLine($"  5xx answers: {serverErrors}{(allow503 ? " (503 allowed: database down on purpose)" : "")}; no answer: {unanswered}{(allowTransport ? " (allowed: a process is killed on purpose)" : "")}; unexpected: {recorder.UnexpectedCount}");
        var failoverOk = failoverWatch is null || await failoverWatch.ReportAsync();
        return recorder.UnexpectedCount == 0 && failoverOk ? 0 : 1;
    }

    /// <summary>The first error message of a validation_error body ("field: message"), or the problem's title.</summary>
    private static string Reason(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.TryGetProperty("validation_error", out var error)
                && error.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
            {
                var first = errors.EnumerateObject().First();
                return $"{first.Name}: {first.Value[0].GetString()}";
            }

            return json.RootElement.TryGetProperty("title", out var title) ? title.GetString() ?? "?" : "?";
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            return "unreadable body";
        }
    }
}
