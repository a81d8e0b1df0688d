using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace SweetsStore.Reliability;

/// <summary>A response as read off the wire: status, headers, body.</summary>
public sealed record RawResponse(int Status, string Head, byte[] Body)
{
    public string BodyText => Encoding.UTF8.GetString(Body);
}

/// <summary>What happened on one connection: the final responses read, and how the connection ended.</summary>
public sealed record RawExchange(IReadOnlyList<RawResponse> Responses, string Ending, double Milliseconds);

/// <summary>
/// Sends raw bytes over a fresh TCP connection and reads HTTP/1.1 responses (Content-Length or chunked bodies)
/// until the server closes, the expected number of responses arrived, or the server goes quiet.
/// </summary>
public static class RawHttp
{
    public static async Task<RawExchange> ExchangeAsync(string host, int port, byte[] request, int expectedResponses, bool headRequest = false,
        TimeSpan? quiet = null)
    {
        var watch = Stopwatch.StartNew();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(host, port);
        string? sendError = null;
        var sending = Task.Run(async () =>
        {
            try
            {
                for (var offset = 0; offset < request.Length;)
                {
                    offset += await socket.SendAsync(request.AsMemory(offset, Math.Min(64 * 1024, request.Length - offset)), SocketFlags.None);
                }
            }
            catch (SocketException e)
            {
                sendError = e.SocketErrorCode.ToString();
            }
        });

        var responses = new List<RawResponse>();
        var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        var ending = "quiet";
        var idle = quiet ?? TimeSpan.FromSeconds(2);
        while (responses.Count < expectedResponses && watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            using var timeout = new CancellationTokenSource(idle);
            int read;
            try
            {
                read = await socket.ReceiveAsync(chunk, SocketFlags.None, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                ending = "quiet";
                break;
            }
            catch (SocketException e)
            {
                ending = "reset (" + e.SocketErrorCode + ")";
                break;
            }

            if (read == 0)
            {
                ending = "closed by server";
                break;
            }

            buffer.Write(chunk, 0, read);
            while (TryParse(buffer, headRequest, out var response))
            {
                if (response.Status >= 200)
                {
                    responses.Add(response);
                }
            }
        }

        if (responses.Count >= expectedResponses)
        {
            ending = "answered";
        }

        await sending;
        if (sendError is not null && ending != "answered")
        {
            ending += $", send failed ({sendError})";
        }

        return new RawExchange(responses, ending, watch.Elapsed.TotalMilliseconds);
    }

    /// <summary>Takes one complete response off the front of <paramref name="buffer"/>, if there is one.</summary>
    private static bool TryParse(MemoryStream buffer, bool headRequest, out RawResponse response)
    {
        response = null!;
        var data = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        var headEnd = data.IndexOf("\r\n\r\n"u8);
        if (headEnd < 0)
        {
            return false;
        }

        var head = Encoding.Latin1.GetString(data[..headEnd]);
        var status = head.Length >= 12 && head.StartsWith("HTTP/1.", StringComparison.Ordinal) && int.TryParse(head.AsSpan(9, 3), out var s) ? s : -1;
        var bodyStart = headEnd + 4;
        var lines = head.Split("\r\n");
        var contentLength = lines.Select(l => l.Split(':', 2)).Where(p => p.Length == 2 && p[0].Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            .Select(p => long.Parse(p[1].Trim(), System.Globalization.CultureInfo.InvariantCulture)).Cast<long?>().FirstOrDefault();
        var chunked = lines.Any(l => l.StartsWith("Transfer-Encoding:", StringComparison.OrdinalIgnoreCase) && l.Contains("chunked", StringComparison.OrdinalIgnoreCase));
        byte[] body;
        int end;
        if (status is >= 100 and < 200 or 204 or 304 || headRequest)
        {
            body = [];
            end = bodyStart;
        }
        else if (chunked)
        {
            var collected = new MemoryStream();
            var at = bodyStart;
            while (true)
            {
                var lineEnd = data[at..].IndexOf("\r\n"u8);
                if (lineEnd < 0)
                {
                    return false;
                }

                var size = Convert.ToInt32(Encoding.Latin1.GetString(data.Slice(at, lineEnd)).Split(';')[0].Trim(), 16);
                at += lineEnd + 2;
                if (size == 0)
                {
                    var trailerEnd = data[at..].IndexOf("\r\n"u8);
                    if (trailerEnd < 0)
                    {
                        return false;
                    }

                    at += trailerEnd + 2;
                    break;
                }

                if (data.Length < at + size + 2)
                {
                    return false;
                }

                collected.Write(data.Slice(at, size));
                at += size + 2;
            }

            body = collected.ToArray();
            end = at;
        }
        else if (contentLength is { } length)
        {
            if (data.Length < bodyStart + length)
            {
                return false;
            }

            body = data.Slice(bodyStart, (int)length).ToArray();
            end = bodyStart + (int)length;
        }
        else
        {
            // Neither length nor chunked: the body runs to the end of the connection; take what is there.
            body = data[bodyStart..].ToArray();
            end = data.Length;
        }

        response = new RawResponse(status, head, body);
        var rest = data[end..].ToArray();
        buffer.SetLength(0);
        buffer.Write(rest);
        return true;
    }
}
