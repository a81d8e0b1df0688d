using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using NodaTime;
using NodaTime.Text;

namespace SweetsStore.Reliability;

/// <summary>
/// Steady traffic while PostgreSQL is stopped and started again by run.sh, which writes the moments into
/// <c>--events</c> (<c>name epoch-milliseconds</c> lines: <c>stopping</c>, <c>stopped</c>, <c>starting</c>, <c>started</c>).
/// Every request is logged; afterwards: during the outage every answer must be a prompt 503 with a JSON body
/// (no 500, no stack trace, no hang), <c>/health/ready</c> 503 and <c>/health/live</c> 200; after the restart
/// the API must serve again by itself. Reports the latencies and the seconds to recovery.
/// </summary>
public static class OutageProbe
{
    private sealed record Sample(long At, string Endpoint, int Status, double Milliseconds, bool Json, string? Leak, bool RetryAfter, string? Detail);

    public static async Task<int> RunAsync(Options options)
    {
        var urls = options.List("urls").Select(u => u.TrimEnd('/')).ToArray();
        var seconds = options.Int("seconds");
        var couriers = options.Int("couriers");
        var clients = options.Int("clients", 4);
        var events = options.String("events");
        var log = options.Maybe("log");

        using var api = new ApiClient(clients * 4, TimeSpan.FromSeconds(60));
        var samples = new ConcurrentQueue<Sample>();
        var watch = Stopwatch.StartNew();
        var limit = TimeSpan.FromSeconds(seconds);

        async Task<Reply> Send(string endpoint, HttpMethod method, string url, string? body)
        {
            var at = Now();
            var reply = await api.SendAsync(method, url, body);
            samples.Enqueue(new Sample(at, endpoint, reply.Status, reply.Milliseconds, reply.IsJson, reply.Status >= 400 ? Leaks.Find(reply.Body) : null, reply.RetryAfter,
                reply.Status is >= 300 or 0 ? (reply.Transport ?? Seeding.Truncate(reply.Body)) : null));
            return reply;
        }

        async Task Traffic(int index)
        {
            var random = new Random(index);
            while (watch.Elapsed < limit)
            {
                var url = urls[random.Next(urls.Length)];
                var courier = random.Next(1, couriers + 1);
                await Send("GET /couriers/{id}", HttpMethod.Get, $"{url}/couriers/{courier}", null);
                var assign = await Send("POST /orders/assign", HttpMethod.Post, $"{url}/orders/assign", $"{{\"courier_id\":{courier}}}");
                if (assign.Status == 200)
                {
                    using var json = JsonDocument.Parse(assign.Body);
                    var orders = json.RootElement.GetProperty("orders").EnumerateArray().Select(o => o.GetProperty("id").GetInt64()).ToArray();
                    if (orders.Length > 0)
                    {
                        var at = InstantPattern.ExtendedIso.Parse(json.RootElement.GetProperty("assign_time").GetString()!).GetValueOrThrow();
                        at += Duration.FromMinutes(random.Next(1, 30));
                        await Send("POST /orders/complete", HttpMethod.Post, $"{url}/orders/complete",
                            $"{{\"courier_id\":{courier},\"order_id\":{orders[0]},\"complete_time\":\"{InstantPattern.ExtendedIso.Format(at)}\"}}");
                        await Send("GET /orders/{id}", HttpMethod.Get, $"{url}/orders/{orders[0]}", null);
                    }
                }

                await Task.Delay(random.Next(5, 25));
            }
        }

        async Task Health()
        {
            while (watch.Elapsed < limit)
            {
                foreach (var url in urls)
                {
                    await Send("GET /health/ready", HttpMethod.Get, $"{url}/health/ready", null);
                    await Send("GET /health/live", HttpMethod.Get, $"{url}/health/live", null);
                }

                await Task.Delay(100);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, clients).Select(i => Task.Run(() => Traffic(i))).Append(Task.Run(Health)));

        var all = samples.OrderBy(s => s.At).ToList();
        if (log is not null)
        {
            await File.WriteAllLinesAsync(log, all.Select(s => string.Create(CultureInfo.InvariantCulture,
                $"{s.At} {s.Endpoint.Replace(' ', '_')} {s.Status} {s.Milliseconds:0.0} json={s.Json} leak={s.Leak ?? "-"} {s.Detail}")));
        }

        var moments = (await File.ReadAllLinesAsync(events))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => long.Parse(p[1], CultureInfo.InvariantCulture));
        foreach (var name in new[] { "stopping", "stopped", "starting", "started" })
        {
            if (!moments.ContainsKey(name))
            {
                Console.Error.WriteLine($"the events file lacks '{name}'");
                return 2;
            }
        }

        return Analyse(all, moments) ? 0 : 1;
    }

    private static bool Analyse(List<Sample> all, Dictionary<string, long> moments)
    {
        var ok = true;
        void Check(bool condition, string what)
        {
            Console.WriteLine($"  {(condition ? "ok  " : "FAIL")} {what}");
            ok &= condition;
        }

        bool IsApi(Sample s) => !s.Endpoint.StartsWith("GET /health", StringComparison.Ordinal);
        string Seconds(long ms) => (ms / 1000.0).ToString("0.00", CultureInfo.InvariantCulture);
        string Statuses(IEnumerable<Sample> samples) => string.Join(", ", samples.GroupBy(s => s.Status).OrderBy(g => g.Key)
            .Select(g => $"{(g.Key == 0 ? "no answer" : g.Key.ToString(CultureInfo.InvariantCulture))}×{g.Count()}"));

        var stopping = moments["stopping"];
        var stopped = moments["stopped"];
        var starting = moments["starting"];
        var started = moments["started"];
        // A request belongs to "before" only if its answer came before the stop was issued; one still in
        // flight then was cut by the shutdown.
        bool AnsweredBefore(Sample s) => s.At + s.Milliseconds < stopping;
        var before = all.Where(AnsweredBefore).ToList();
        var down = all.Where(s => s.At >= stopped && s.At < starting).ToList();
        var transition = all.Where(s => !AnsweredBefore(s) && s.At < stopped).ToList();
        var after = all.Where(s => s.At >= started).ToList();
        var downApi = down.Where(IsApi).ToList();

        Console.WriteLine($"outage probe: {all.Count} requests; PostgreSQL stop took {Seconds(stopped - stopping)} s, down {Seconds(starting - stopped)} s, start took {Seconds(started - starting)} s");
        Console.WriteLine($"  before the stop:  API [{Statuses(before.Where(IsApi))}]");
        Console.WriteLine($"  while stopping:   API [{Statuses(transition.Where(IsApi))}] (sent while the server shut down, or in flight when it began to)");
        Console.WriteLine($"  while down:       API [{Statuses(downApi)}]; /health/ready [{Statuses(down.Where(s => s.Endpoint == "GET /health/ready"))}]; /health/live [{Statuses(down.Where(s => s.Endpoint == "GET /health/live"))}]");
        Console.WriteLine($"  after the start:  API [{Statuses(after.Where(IsApi))}]; /health/ready [{Statuses(after.Where(s => s.Endpoint == "GET /health/ready"))}]");

        var outage = all.Where(s => !AnsweredBefore(s) && s.At < started).ToList();
        var outageApi = outage.Where(IsApi).ToList();
        var maxLatency = outageApi.Count == 0 ? 0 : outageApi.Max(s => s.Milliseconds);
        var p99 = Percentile(outageApi.Select(s => s.Milliseconds), 99);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  latency of API requests answered during the outage (stop issued → start done): p50 {Percentile(outageApi.Select(s => s.Milliseconds), 50):0.0} ms, p99 {p99:0.0} ms, max {maxLatency:0.0} ms (n={outageApi.Count})"));

        foreach (var odd in before.Where(IsApi).Where(s => s.Status is not (>= 200 and < 500)).Take(5))
        {
            Console.WriteLine($"    before the stop, {Seconds(stopping - odd.At)} s earlier: {odd.Endpoint} → {odd.Status} in {odd.Milliseconds:0} ms: {odd.Detail}");
        }

        Check(before.Where(IsApi).All(s => s.Status is >= 200 and < 500), "before the stop every API answer is 2xx/4xx");
        Check(downApi.Count > 0 && downApi.All(s => s.Status == 503), "while down every API request is answered 503");
        Check(outage.All(s => s.Status != 0), "no request went unanswered (no hang, no reset)");
        Check(outage.All(s => s.Status is not (>= 500 and not 503)), "no 500 (or other 5xx) at any moment of the outage");
        Check(outage.Where(s => s.Status >= 400).All(s => s.Json && s.Leak is null), "every error body is JSON without stack trace, exception or SQL text");
        Check(outage.Where(s => s.Status == 503 && IsApi(s)).All(s => s.RetryAfter), "every 503 carries Retry-After");
        Check(maxLatency < 2000, "every API request caught by the outage was answered within 2 s");
        Check(down.Where(s => s.Endpoint == "GET /health/ready").All(s => s.Status == 503), "/health/ready says 503 while down");
        Check(all.Where(s => s.Endpoint == "GET /health/live").All(s => s.Status == 200), "/health/live says 200 throughout");

        var firstApiOk = after.FirstOrDefault(s => IsApi(s) && s.Status is >= 200 and < 300);
        var firstReady = after.FirstOrDefault(s => s.Endpoint == "GET /health/ready" && s.Status == 200);
        var lastApiFailure = after.LastOrDefault(s => IsApi(s) && s.Status >= 500);
        if (firstApiOk is not null)
        {
            Console.WriteLine($"  recovery: first 2xx API answer {Seconds(firstApiOk.At - started)} s after PostgreSQL was up again ({Seconds(firstApiOk.At - starting)} s after the start was issued)");
        }

        if (firstReady is not null)
        {
            Console.WriteLine($"  recovery: first /health/ready 200 {Seconds(firstReady.At - started)} s after PostgreSQL was up");
        }

        Console.WriteLine(lastApiFailure is null
            ? "  recovery: no 5xx at all once PostgreSQL was up"
            : $"  recovery: last 5xx {Seconds(lastApiFailure.At - started)} s after PostgreSQL was up ({after.Count(s => IsApi(s) && s.Status >= 500)} 5xx after the start)");
        Check(firstApiOk is not null && firstReady is not null, "the API recovered by itself (2xx answers and ready 200 again, no restart)");
        Check(after.Where(s => s.At > started + 5000).Where(IsApi).All(s => s.Status is >= 200 and < 500), "from 5 s after the restart on, every API answer is 2xx/4xx");
        return ok;
    }

    private static long Now() => SystemClock.Instance.GetCurrentInstant().ToUnixTimeMilliseconds();

    private static double Percentile(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}
