using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace SweetsStore.Reliability;

/// <summary>
/// A slowloris attack on loopback: hundreds of connections that send headers one byte a second, send a body
/// one byte a second, or send nothing; each reconnects as soon as the server cuts it, so the pressure stays.
/// Meanwhile ordinary clients (one on kept-alive connections, one opening a new connection per request) keep
/// asking; their latency is compared with a baseline measured just before, without the attack.
/// </summary>
public static class Slowloris
{
    private static readonly string[] Kinds = ["headers one byte/s", "body one byte/s", "idle (sends nothing)"];

    private sealed class KindStats
    {
        public int Opened;
        public int OpenNow;
        public int MaxOpen;
        public readonly ConcurrentQueue<double> CutAfter = new();
        public readonly ConcurrentDictionary<string, int> LastWords = new();
    }

    public static async Task<int> RunAsync(Options options)
    {
        var uri = new Uri(options.String("url"));
        var connections = options.Int("connections");
        var baselineSeconds = options.Int("baseline-seconds", 10);
        var attackSeconds = options.Int("attack-seconds", 25);
        var path = options.String("path", "/couriers/1");
        var ok = true;

        Console.WriteLine($"slowloris on {uri.Authority}: 3 s warm-up, baseline {baselineSeconds} s, then {connections} slow connections for {attackSeconds} s (kinds: {string.Join("; ", Kinds)})");
        await MeasureClientsAsync(uri, path, TimeSpan.FromSeconds(3)); // warm-up (JIT, pools), not counted
        var baseline = await MeasureClientsAsync(uri, path, TimeSpan.FromSeconds(baselineSeconds));
        Console.WriteLine($"  baseline, kept-alive client:      {baseline.KeepAlive.Summary()}; errors {baseline.Errors}");
        Console.WriteLine($"  baseline, new connection each:    {baseline.Fresh.Summary()}");

        var stats = Kinds.Select(_ => new KindStats()).ToArray();
        using var stop = new CancellationTokenSource();
        var attackers = Enumerable.Range(0, connections).Select(i => Task.Run(() => AttackAsync(uri, i % Kinds.Length, stats[i % Kinds.Length], stop.Token))).ToArray();
        await Task.Delay(TimeSpan.FromSeconds(2)); // let them connect before measuring
        var open = stats.Sum(s => Volatile.Read(ref s.OpenNow));
        var attacked = await MeasureClientsAsync(uri, path, TimeSpan.FromSeconds(attackSeconds));
        var openAtEnd = stats.Sum(s => Volatile.Read(ref s.OpenNow));
        await stop.CancelAsync();
        await Task.WhenAll(attackers);

        Console.WriteLine($"  under attack, kept-alive client:  {attacked.KeepAlive.Summary()}; errors {attacked.Errors}");
        Console.WriteLine($"  under attack, new connection each: {attacked.Fresh.Summary()}");
        Console.WriteLine($"  slow connections open 2 s into the attack: {open}; at its end: {openAtEnd}");
        for (var k = 0; k < Kinds.Length; k++)
        {
            var s = stats[k];
            var cuts = s.CutAfter.Order().ToArray();
            var words = string.Join(", ", s.LastWords.Select(w => $"{w.Key}×{w.Value}"));
            Console.WriteLine(cuts.Length == 0
                ? $"  {Kinds[k],-22} {s.Opened,5} connections opened (max {s.MaxOpen} at once); none cut by the server within {attackSeconds} s"
                : string.Create(CultureInfo.InvariantCulture,
                    $"  {Kinds[k],-22} {s.Opened,5} connections opened (max {s.MaxOpen} at once); {cuts.Length} cut by the server after {cuts[0]:0.0}–{cuts[^1]:0.0} s (median {cuts[cuts.Length / 2]:0.0} s); server's last words: {words}"));
        }

        void Check(bool condition, string what)
        {
            Console.WriteLine($"  {(condition ? "ok  " : "FAIL")} {what}");
            ok &= condition;
        }

        Check(attacked.Errors == 0 && attacked.KeepAlive.Count > 0 && attacked.Fresh.Count > 0, "ordinary clients got every answer (200) during the attack");
        Check(attacked.KeepAlive.Percentile(99) < Math.Max(250, baseline.KeepAlive.Percentile(99) * 5), "kept-alive p99 under attack < max(250 ms, 5 × baseline p99)");
        Check(attacked.Fresh.Percentile(99) < Math.Max(250, baseline.Fresh.Percentile(99) * 5), "new-connection p99 under attack < max(250 ms, 5 × baseline p99)");
        Check(stats[0].CutAfter.Count > 0 && stats[0].CutAfter.Max() < 15, "connections dripping headers are cut (RequestHeadersTimeout 10 s) within 15 s");
        Check(stats[1].CutAfter.Count > 0 && stats[1].CutAfter.Max() < 15, "connections dripping a body are cut (MinRequestBodyDataRate 240 B/s after 5 s) within 15 s");
        return ok ? 0 : 1;
    }

    private sealed record ClientLatencies(Latencies KeepAlive, Latencies Fresh, int Errors);

    private static async Task<ClientLatencies> MeasureClientsAsync(Uri uri, string path, TimeSpan duration)
    {
        var keepAlive = new Latencies();
        var fresh = new Latencies();
        var errors = 0;
        var watch = Stopwatch.StartNew();
        using var pooled = new ApiClient(1, TimeSpan.FromSeconds(30));

        async Task KeepAliveLoop()
        {
            while (watch.Elapsed < duration)
            {
                var reply = await pooled.GetAsync(uri.GetLeftPart(UriPartial.Authority) + path);
                if (reply.Status == 200)
                {
                    keepAlive.Add(reply.Milliseconds);
                }
                else
                {
                    Interlocked.Increment(ref errors);
                }

                await Task.Delay(20);
            }
        }

        async Task FreshLoop()
        {
            var request = Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {uri.Authority}\r\nConnection: close\r\n\r\n");
            while (watch.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    var exchange = await RawHttp.ExchangeAsync(uri.Host, uri.Port, request, 1, quiet: TimeSpan.FromSeconds(10));
                    if (exchange.Responses.Count == 1 && exchange.Responses[0].Status == 200)
                    {
                        fresh.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    }
                    else
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
                catch (Exception e) when (e is SocketException or IOException)
                {
                    Interlocked.Increment(ref errors);
                }

                await Task.Delay(20);
            }
        }

        await Task.WhenAll(KeepAliveLoop(), FreshLoop());
        return new ClientLatencies(keepAlive, fresh, errors);
    }

    private static async Task AttackAsync(Uri uri, int kind, KindStats stats, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(uri.Host, uri.Port, stop);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                if (!stop.IsCancellationRequested)
                {
                    await Task.Delay(100, CancellationToken.None);
                }

                continue;
            }

            var opened = Stopwatch.GetTimestamp();
            Interlocked.Increment(ref stats.Opened);
            var now = Interlocked.Increment(ref stats.OpenNow);
            int seen;
            while ((seen = Volatile.Read(ref stats.MaxOpen)) < now && Interlocked.CompareExchange(ref stats.MaxOpen, now, seen) != seen)
            {
            }

            var closed = ReceiveUntilClosedAsync(socket);
            try
            {
                var prefix = kind switch
                {
                    0 => $"GET /couriers/1 HTTP/1.1\r\nHost: {uri.Authority}\r\nX-Slow: ",
                    1 => $"POST /orders/assign HTTP/1.1\r\nHost: {uri.Authority}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{{\"courier_id\":",
                    _ => "",
                };
                if (prefix.Length > 0)
                {
                    await socket.SendAsync(Encoding.ASCII.GetBytes(prefix), SocketFlags.None, stop);
                }

                while (!closed.IsCompleted && !stop.IsCancellationRequested)
                {
                    await Task.WhenAny(closed, Task.Delay(1000, stop));
                    if (!closed.IsCompleted && kind < 2)
                    {
                        await socket.SendAsync("1"u8.ToArray(), SocketFlags.None, stop);
                    }
                }
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or IOException)
            {
            }

            if (closed.IsCompleted && !stop.IsCancellationRequested)
            {
                stats.CutAfter.Enqueue(Stopwatch.GetElapsedTime(opened).TotalSeconds);
                var words = await closed;
                stats.LastWords.AddOrUpdate(words, 1, (_, n) => n + 1);
            }

            Interlocked.Decrement(ref stats.OpenNow);
        }
    }

    /// <summary>Completes when the server closes the connection, with the status line it sent first (if any).</summary>
    private static async Task<string> ReceiveUntilClosedAsync(Socket socket)
    {
        var received = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None);
                if (n == 0)
                {
                    break;
                }

                received.Write(buffer, 0, n);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            if (received.Length == 0)
            {
                return "reset";
            }
        }

        if (received.Length == 0)
        {
            return "closed silently";
        }

        var text = Encoding.Latin1.GetString(received.ToArray());
        var line = text.Split("\r\n")[0];
        return line.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) ? line[9..] : "garbage";
    }
}
