using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace SweetsStore.Reliability;

/// <summary>Connections that connect and never send a byte: when does Kestrel close them? (Its KeepAliveTimeout, 130 s by default.)</summary>
public static class Idle
{
    public static async Task<int> RunAsync(Options options)
    {
        var uri = new Uri(options.String("url"));
        var connections = options.Int("connections", 20);
        var max = TimeSpan.FromSeconds(options.Int("max-seconds", 150));
        var watch = Stopwatch.StartNew();
        var closes = await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(uri.Host, uri.Port);
            var opened = Stopwatch.GetTimestamp();
            using var timeout = new CancellationTokenSource(max);
            try
            {
                var n = await socket.ReceiveAsync(new byte[256], SocketFlags.None, timeout.Token);
                return (Closed: true, Seconds: Stopwatch.GetElapsedTime(opened).TotalSeconds, Said: n == 0 ? "closed silently" : "sent bytes");
            }
            catch (OperationCanceledException)
            {
                return (Closed: false, Seconds: max.TotalSeconds, Said: "still open");
            }
            catch (SocketException e)
            {
                return (Closed: true, Seconds: Stopwatch.GetElapsedTime(opened).TotalSeconds, Said: e.SocketErrorCode.ToString());
            }
        }));
        var cut = closes.Where(c => c.Closed).Select(c => c.Seconds).Order().ToArray();
        Console.WriteLine(cut.Length == 0
            ? $"idle connections: {connections} opened, none closed by the server within {max.TotalSeconds:0} s"
            : string.Create(CultureInfo.InvariantCulture,
                $"idle connections (connect, send nothing): {connections} opened, {cut.Length} closed by the server after {cut[0]:0.0}–{cut[^1]:0.0} s ({string.Join(", ", closes.GroupBy(c => c.Said).Select(g => $"{g.Key}×{g.Count()}"))}); watched {watch.Elapsed.TotalSeconds:0} s"));
        return cut.Length == connections ? 0 : 1;
    }
}
