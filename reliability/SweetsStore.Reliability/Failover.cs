using System.Collections.Concurrent;
using System.Globalization;
using NodaTime;

namespace SweetsStore.Reliability;

/// <summary>One request of a storm as the client saw it, with wall-clock times (Unix milliseconds).</summary>
public sealed record Sample(long SentMs, long AnsweredMs, string Url, string Endpoint, int Status, bool Json, bool RetryAfter);

/// <summary>
/// What a storm saw of a database failover (<c>storm --events FILE</c>; reliability/failover.sh writes the moments:
/// <c>killed</c> when the primary's postmaster got kill -9, <c>promoting</c> and <c>promoted</c> around the
/// standby's promotion). Also polls <c>/health/ready</c> of every process. Reports the seconds from the kill
/// to the first 2xx and to ready 200 again, and what every request in between got; checks that nothing but 503
/// JSON with Retry-After came back, that every process stayed up and that the API served again by itself.
/// </summary>
public sealed class Failover(string[] urls, string events)
{
    private readonly ConcurrentQueue<Sample> _requests = new();
    private readonly ConcurrentQueue<Sample> _ready = new();

    public static long Now() => SystemClock.Instance.GetCurrentInstant().ToUnixTimeMilliseconds();

    public void Record(Sample sample) => _requests.Enqueue(sample);

    /// <summary>Asks every process's <c>/health/ready</c> every 100 ms until <paramref name="stop"/>.</summary>
    public Task WatchReadinessAsync(ApiClient api, Func<bool> stop) => Task.WhenAll(urls.Select(url => Task.Run(async () =>
    {
        while (!stop())
        {
            var sent = Now();
            var reply = await api.GetAsync(url + "/health/ready");
            _ready.Enqueue(new Sample(sent, Now(), url, "GET /health/ready", reply.Status, reply.IsJson, reply.RetryAfter));
            await Task.Delay(100);
        }
    })));

    public async Task<bool> ReportAsync()
    {
        var moments = (await File.ReadAllLinesAsync(events))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => long.Parse(p[1], CultureInfo.InvariantCulture));
        if (!moments.TryGetValue("killed", out var killed) || !moments.TryGetValue("promoted", out var promoted))
        {
            Console.WriteLine("  FAIL the events file lacks 'killed' or 'promoted'");
            return false;
        }

        var promoting = moments.GetValueOrDefault("promoting", promoted);
        var ok = true;
        void Check(bool condition, string what)
        {
            Console.WriteLine($"  {(condition ? "ok  " : "FAIL")} {what}");
            ok &= condition;
        }

        static string Seconds(long ms) => (ms / 1000.0).ToString("0.00", CultureInfo.InvariantCulture);
        static string Statuses(IEnumerable<Sample> samples) => string.Join(", ", samples.GroupBy(s => s.Status).OrderBy(g => g.Key)
            .Select(g => $"{(g.Key == 0 ? "no answer" : g.Key.ToString(CultureInfo.InvariantCulture))}×{g.Count()}"));

        var all = _requests.OrderBy(s => s.SentMs).ToList();
        var ready = _ready.OrderBy(s => s.SentMs).ToList();
        var before = all.Where(s => s.AnsweredMs < killed).ToList();
        // Requests sent after the kill: what a client arriving during the switch gets. The primary's backends can
        // answer on their open connections for a moment after its postmaster died, so the switch counts from the
        // first 503 on, and recovery is the first 2xx to a request sent after that 503 was answered.
        var after = all.Where(s => s.SentMs >= killed).ToList();
        var firstUnavailable = after.FirstOrDefault(s => s.Status == 503);
        var firstOk = firstUnavailable is null ? null : after.FirstOrDefault(s => s.Status is >= 200 and < 300 && s.SentMs >= firstUnavailable.AnsweredMs);
        var switching = all.Where(s => s.AnsweredMs >= killed && (firstOk is null || s.SentMs < firstOk.AnsweredMs)).ToList();
        var unavailable = all.Where(s => s.Status == 503).ToList();
        var otherServerErrors = all.Where(s => s.Status >= 500 && s.Status != 503).ToList();

        Console.WriteLine($"failover: {all.Count} requests; the primary killed {Seconds(killed - (all.FirstOrDefault()?.SentMs ?? killed))} s into the storm; " +
            $"standby promotion started {Seconds(promoting - killed)} s after the kill and was done {Seconds(promoted - killed)} s after it (pg_ctl promote took {Seconds(promoted - promoting)} s)");
        Console.WriteLine($"  answered before the kill: [{Statuses(before)}]");
        Console.WriteLine($"  from the kill to the first 2xx: [{Statuses(switching)}]; slowest answer {(switching.Count == 0 ? 0 : switching.Max(s => s.AnsweredMs - s.SentMs))} ms");
        Console.WriteLine($"  per process in that time: {string.Join("; ", urls.Select(u => $"{u} [{Statuses(switching.Where(s => s.Url == u))}]"))}");
        if (firstOk is not null)
        {
            Console.WriteLine($"  first 503 {Seconds(firstUnavailable!.AnsweredMs - killed)} s after the kill; first 2xx after it {Seconds(firstOk.AnsweredMs - killed)} s after the kill, {Seconds(firstOk.AnsweredMs - promoted)} s after the promotion ({firstOk.Endpoint} on {firstOk.Url})");
            foreach (var url in urls)
            {
                var first = after.FirstOrDefault(s => s.Url == url && s.Status is >= 200 and < 300 && s.SentMs >= firstUnavailable!.AnsweredMs);
                Console.WriteLine($"    {url}: first 2xx {(first is null ? "never" : $"{Seconds(first.AnsweredMs - killed)} s after the kill")}");
            }
        }

        var readyAgain = new List<long>();
        foreach (var url in urls)
        {
            var down = ready.FirstOrDefault(s => s.Url == url && s.SentMs >= killed && s.Status != 200);
            var back = ready.FirstOrDefault(s => s.Url == url && s.SentMs >= promoted && s.Status == 200);
            Console.WriteLine($"  {url}/health/ready: {(down is null ? "never 503" : $"503 from {Seconds(down.AnsweredMs - killed)} s after the kill")}, " +
                $"200 again {(back is null ? "never" : $"{Seconds(back.AnsweredMs - killed)} s after the kill ({Seconds(back.AnsweredMs - promoted)} s after the promotion)")}; " +
                $"after the promotion [{Statuses(ready.Where(s => s.Url == url && s.SentMs >= promoted))}], slowest {ready.Where(s => s.Url == url).Select(s => s.AnsweredMs - s.SentMs).DefaultIfEmpty().Max()} ms");
            if (back is not null)
            {
                readyAgain.Add(back.AnsweredMs - killed);
            }
        }

        Console.WriteLine($"  whole storm: 503×{unavailable.Count} (JSON with Retry-After: {unavailable.Count(s => s.Json && s.RetryAfter)}), other 5xx×{otherServerErrors.Count}, no answer×{all.Count(s => s.Status == 0)}");
        foreach (var odd in otherServerErrors.Take(5))
        {
            Console.WriteLine($"    {odd.Endpoint} on {odd.Url} → {odd.Status}, {Seconds(odd.SentMs - killed)} s after the kill");
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"failover figures: first 2xx {(firstOk is null ? "never" : Seconds(firstOk.AnsweredMs - killed))} s after the kill ({(firstOk is null ? "-" : Seconds(firstOk.AnsweredMs - promoted))} s after the promotion); " +
            $"ready 200 again {(readyAgain.Count == urls.Length ? Seconds(readyAgain.Max()) : "never")} s after the kill; 503 {unavailable.Count}, other 5xx {otherServerErrors.Count}"));

        Check(otherServerErrors.Count == 0, "no 5xx other than 503 at any moment (no 500 from the switch)");
        Check(unavailable.All(s => s.Json && s.RetryAfter), "every 503 is JSON with Retry-After");
        Check(all.All(s => s.Status != 0) && ready.All(s => s.Status != 0), "every request answered: both processes stayed up through the switch");
        Check(firstOk is not null && firstOk.AnsweredMs - promoted < 10_000, "the API served again within 10 s of the promotion, without a restart");
        Check(readyAgain.Count == urls.Length, "/health/ready 200 again on every process");
        Check(after.Where(s => s.SentMs > promoted + 10_000).All(s => s.Status is >= 200 and < 500), "from 10 s after the promotion on, every answer is 2xx/4xx");
        return ok;
    }
}
