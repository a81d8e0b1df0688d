using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace SweetsStore.Reliability;

/// <summary>
/// <c>keyed-storm</c> (contract 10.1): clients on several API processes import orders, assign and complete, every
/// request with an <c>Idempotency-Key</c> and a deadline drawn from 2–60 ms on its first try (most time out while the
/// server works on), and retry every timed-out or failed request (no answer, 409, 5xx) with the same key and body,
/// alternating processes, the deadline doubling, until it is answered. Each client works in its own region with its
/// own courier, so what must exist afterwards is known exactly: it prints the totals for run.sh to check in the
/// database (every effect exactly once). Every answered key is sent once more and must replay byte for byte.
/// </summary>
public static class KeyedStorm
{
    private const long FirstOrder = 50_000_000;
    private const long FirstCourier = 90_000_000;
    private const int FirstRegion = 900_000;

    public static async Task<int> RunAsync(Options options)
    {
        var urls = options.List("urls");
        var clients = options.Int("clients");
        var seconds = options.Int("seconds");
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 256 }) { Timeout = Timeout.InfiniteTimeSpan };
        var totals = new Totals();
        var deadline = Stopwatch.StartNew();
        var work = Enumerable.Range(0, clients).Select(c => ClientAsync(http, urls, c, seconds, deadline, totals));
        var problems = (await Task.WhenAll(work)).SelectMany(p => p).ToList();
        foreach (var problem in problems.Take(20))
        {
            Console.WriteLine($"  PROBLEM {problem}");
        }

        Console.WriteLine(
            $"keyed-storm done: orders {totals.Orders} bundles {totals.Bundles} completes {totals.Completes} requests {totals.Requests} " +
            $"retries {totals.Retries} timeouts {totals.Timeouts} conflicts {totals.Conflicts} replays {totals.Replays} problems {problems.Count}");
        Console.WriteLine($"  expect: orders >= {FirstOrder} count {totals.Orders}; bundles of couriers >= {FirstCourier} count {totals.Bundles}; completed {totals.Completes}");
        return problems.Count == 0 ? 0 : 1;
    }

    private static async Task<List<string>> ClientAsync(HttpClient http, string[] urls, int client, int seconds, Stopwatch clock, Totals totals)
    {
        var problems = new List<string>();
        var random = new Random(client * 7919 + 1);
        var courier = FirstCourier + client;
        var region = FirstRegion + client;
        var nextOrder = FirstOrder + client * 1_000_000L;
        var minute = 0;
        await SendAsync(http, urls, random, "/couriers",
            $$"""{"data": [{"courier_id": {{courier}}, "courier_type": "car", "regions": [{{region}}], "working_hours": ["00:00-23:59"]}]}""",
            totals, problems, expect: 201);
        while (clock.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            var ids = Enumerable.Range(0, 8).Select(_ => nextOrder++).ToArray();
            var orders = string.Join(",", ids.Select(id =>
                $$"""{"order_id": {{id}}, "weight": {{random.Next(1, 1500) / 100m}}, "region": {{region}}, "delivery_hours": ["00:00-23:59"]}"""));
            if (await SendAsync(http, urls, random, "/orders", $$"""{"data": [{{orders}}]}""", totals, problems, expect: 201) is not null)
            {
                Interlocked.Add(ref totals.Orders, ids.Length);
            }

            var assign = await SendAsync(http, urls, random, "/orders/assign", $$"""{"courier_id": {{courier}}}""", totals, problems, expect: 200);
            var handed = assign is null ? [] : JsonNode.Parse(assign)!["orders"]!.AsArray().Select(o => (long)o!["id"]!).ToArray();
            if (handed.Length > 0)
            {
                Interlocked.Increment(ref totals.Bundles);
            }

            foreach (var order in handed)
            {
                var at = DateTime.UtcNow.AddHours(1).AddMinutes(++minute).ToString("yyyy-MM-ddTHH:mm:ssZ"); // once: every retry sends the same body
                if (await SendAsync(http, urls, random, "/orders/complete",
                        $$"""{"courier_id": {{courier}}, "order_id": {{order}}, "complete_time": "{{at}}"}""", totals, problems, expect: 200) is not null)
                {
                    Interlocked.Increment(ref totals.Completes);
                }
            }
        }

        return problems;
    }

    /// <summary>Sends until answered (the answer's body, or null after a problem), then once more to see the replay.</summary>
    private static async Task<string?> SendAsync(
        HttpClient http, string[] urls, Random random, string path, string body, Totals totals, List<string> problems, int expect)
    {
        var key = Guid.NewGuid().ToString();
        var wait = TimeSpan.FromMilliseconds(random.Next(2, 60));
        for (var attempt = 0; attempt < 40; attempt++)
        {
            var (status, answer, replayed) = await PostAsync(http, urls[(attempt + random.Next(urls.Length)) % urls.Length], path, body, key, wait, totals);
            if (attempt > 0)
            {
                Interlocked.Increment(ref totals.Retries);
            }

            wait = TimeSpan.FromMilliseconds(Math.Min(wait.TotalMilliseconds * 2, 10_000));
            if (status is 0 or 409 or 429 or >= 500)
            {
                Interlocked.Increment(ref status == 409 ? ref totals.Conflicts : ref totals.Timeouts);
                await Task.Delay(status == 409 ? 20 : 0);
                continue;
            }

            if (status != expect)
            {
                problems.Add($"{path} {body[..Math.Min(body.Length, 80)]}: {status} {answer}");
                return null;
            }

            var (againStatus, again, againReplayed) = await PostAsync(http, urls[random.Next(urls.Length)], path, body, key, TimeSpan.FromSeconds(30), totals);
            if (againStatus != status || again != answer || !againReplayed)
            {
                problems.Add($"{path}: the replay differs: {status} {answer} then {againStatus} {again} (replayed: {againReplayed})");
            }

            Interlocked.Increment(ref totals.Replays);
            _ = replayed;
            return answer;
        }

        problems.Add($"{path}: no answer after 40 tries");
        return null;
    }

    private static async Task<(int Status, string Body, bool Replayed)> PostAsync(
        HttpClient http, string url, string path, string body, string key, TimeSpan wait, Totals totals)
    {
        Interlocked.Increment(ref totals.Requests);
        using var request = new HttpRequestMessage(HttpMethod.Post, url + path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", key);
        using var deadline = new CancellationTokenSource(wait);
        try
        {
            using var response = await http.SendAsync(request, deadline.Token);
            var text = await response.Content.ReadAsStringAsync(deadline.Token);
            return ((int)response.StatusCode, text, response.Headers.Contains("Idempotent-Replayed"));
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
        {
            return (0, "", false);
        }
    }

    private sealed class Totals
    {
        public long Orders;
        public long Bundles;
        public long Completes;
        public long Requests;
        public long Retries;
        public long Timeouts;
        public long Conflicts;
        public long Replays;
    }
}
