using System.Globalization;
using System.Text;

namespace SweetsStore.Reliability;

/// <summary>
/// Hostile requests on raw sockets against a real Kestrel process: NUL and invalid UTF-8 in paths and headers,
/// huge headers, absurd URLs, pipelined garbage, request smuggling shapes, protocol violations, malformed
/// bodies, and seeded random byte mutations of valid requests. Every answer must be a 4xx (or the connection
/// closed by Kestrel), never a 5xx, never a stack trace; the process must stay up.
/// </summary>
public static class HostileKestrel
{
    /// <summary>Refused: every response 4xx, or the connection closed. Harmless: anything but 5xx (a mutation may leave a request valid).</summary>
    private enum Expect
    {
        Refused,
        Harmless,
        FirstOkThenRefused,
    }

    private sealed record Case(string Category, string Name, byte[] Bytes, Expect Expect, int Responses = 1);

    public static async Task<int> RunAsync(Options options)
    {
        var uri = new Uri(options.String("url"));
        var mutations = options.Int("mutations", 200);
        var random = new Random(options.Int("seed", 5));
        var cases = Cases(uri.Authority, random, mutations).ToList();

        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var statuses = new SortedDictionary<int, int>();
        var endings = new Dictionary<string, int>();
        var byCategory = new SortedDictionary<string, (int Cases, int Responses, int Closed)>(StringComparer.Ordinal);
        var categoryStatuses = new Dictionary<string, SortedDictionary<int, int>>(StringComparer.Ordinal);
        var refusedByKestrel = 0;
        var versionRejections = 0;
        var refusedByApp = 0;
        var requestsSent = cases.Sum(c => c.Responses);
        var liveChecks = 0;
        using var api = new ApiClient(2, TimeSpan.FromSeconds(10));
        using var done = new CancellationTokenSource();

        // The process must stay up: /health/live is asked every 200 ms while the cases run.
        var watchdog = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                var live = await api.GetAsync($"{uri.GetLeftPart(UriPartial.Authority)}/health/live");
                Interlocked.Increment(ref liveChecks);
                if (live.Status != 200)
                {
                    failures.Enqueue($"/health/live answered {live.Status} {live.Transport} during the run");
                }

                try
                {
                    await Task.Delay(200, done.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        });

        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (c, _) =>
        {
            RawExchange exchange;
            try
            {
                exchange = await RawHttp.ExchangeAsync(uri.Host, uri.Port, c.Bytes, c.Responses, quiet: TimeSpan.FromSeconds(1.5));
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException)
            {
                failures.Enqueue($"[{c.Category}] {c.Name}: could not connect ({e.Message}): is the process down?");
                return;
            }

            lock (statuses)
            {
                var mine = categoryStatuses.TryGetValue(c.Category, out var found) ? found : categoryStatuses[c.Category] = new SortedDictionary<int, int>();
                foreach (var r in exchange.Responses)
                {
                    statuses[r.Status] = statuses.GetValueOrDefault(r.Status) + 1;
                    mine[r.Status] = mine.GetValueOrDefault(r.Status) + 1;
                    if (IsKestrelVersionRejection(r))
                    {
                        versionRejections++;
                    }
                    else if (r.Status is >= 400 and < 500)
                    {
                        if (r.Body.Length == 0)
                        {
                            refusedByKestrel++;
                        }
                        else
                        {
                            refusedByApp++;
                        }
                    }
                }

                var ending = exchange.Ending.Split(' ')[0];
                endings[ending] = endings.GetValueOrDefault(ending) + 1;
                var (n, responses, closed) = byCategory.GetValueOrDefault(c.Category);
                byCategory[c.Category] = (n + 1, responses + exchange.Responses.Count, closed + (exchange.Ending == "answered" ? 0 : 1));
            }

            var problem = Judge(c, exchange);
            if (problem is not null)
            {
                failures.Enqueue($"[{c.Category}] {c.Name}: {problem} (ending: {exchange.Ending}; statuses: {string.Join(",", exchange.Responses.Select(r => r.Status))})");
            }
        });
        await done.CancelAsync();
        await watchdog;
        var final = await api.GetAsync($"{uri.GetLeftPart(UriPartial.Authority)}/health/live");
        if (final.Status != 200)
        {
            failures.Enqueue($"after the run /health/live answered {final.Status} {final.Transport}");
        }

        Console.WriteLine($"hostile requests on raw sockets to real Kestrel at {uri.Authority}: {cases.Count} connections, {requestsSent} requests in them");
        foreach (var (category, (n, responses, closed)) in byCategory)
        {
            var answers = categoryStatuses.TryGetValue(category, out var counted) ? string.Join(" ", counted.Select(s => $"{s.Key}×{s.Value}")) : "";
            Console.WriteLine($"  {category,-28} {n,4} connections: [{answers}]; {closed} ended without a full answer (closed, reset or silent)");
        }

        Console.WriteLine("  2xx come only from requests that stay valid: the first request of each \"valid + garbage\" pipeline, HTTP/1.0 without Host,");
        Console.WriteLine("  an ignored h2c upgrade, bare-LF line ends (RFC 9112 allows them) and random mutations that left a request valid");
        Console.WriteLine("  statuses: " + string.Join(", ", statuses.Select(s => $"{(s.Key < 0 ? "unparseable" : s.Key.ToString(CultureInfo.InvariantCulture))}×{s.Value}")));
        Console.WriteLine("  connection endings: " + string.Join(", ", endings.OrderBy(e => e.Key).Select(e => $"{e.Key}×{e.Value}")));
        Console.WriteLine($"  4xx with an empty body (Kestrel refused the request itself): {refusedByKestrel}; 4xx with a JSON body (the API refused it): {refusedByApp}");
        Console.WriteLine($"  /health/live asked {liveChecks} times during the run (every 200 ms) and once after: always 200 unless listed below");
        foreach (var failure in failures.Take(25))
        {
            Console.WriteLine("  FAIL " + failure);
        }

        Console.WriteLine($"  505 from Kestrel's parser for an unknown HTTP version (empty body, connection closed; not the API): {versionRejections}");
        Console.WriteLine($"  other 5xx: {statuses.Where(s => s.Key >= 500).Sum(s => s.Value) - versionRejections}; failures: {failures.Count}");
        return failures.Count == 0 ? 0 : 1;
    }

    private static string? Judge(Case c, RawExchange exchange)
    {
        foreach (var r in exchange.Responses)
        {
            if (IsKestrelVersionRejection(r))
            {
                continue; // counted and reported on its own; see IsKestrelVersionRejection
            }

            if (r.Status >= 500)
            {
                return $"server error {r.Status}: {Seeding.Truncate(r.BodyText)}";
            }

            if (r.Status < 0)
            {
                return "unparseable response";
            }

            var leak = Leaks.Find(r.BodyText) ?? Leaks.Find(r.Head.Replace("Server: Kestrel", "", StringComparison.Ordinal));
            if (leak is not null)
            {
                return $"leaks \"{leak}\": {Seeding.Truncate(r.BodyText)}";
            }

            if (r.Status >= 400 && r.Body.Length > 0 && !r.Head.Contains("application/json", StringComparison.OrdinalIgnoreCase))
            {
                return $"{r.Status} with a body that is not JSON";
            }
        }

        var statuses = exchange.Responses.Select(r => IsKestrelVersionRejection(r) ? 400 : r.Status).ToList();
        return c.Expect switch
        {
            Expect.Refused when statuses.Any(s => s < 400) => $"accepted ({string.Join(",", statuses)}), expected 4xx or a closed connection",
            Expect.FirstOkThenRefused when statuses.Count == 0 || statuses[0] != 200 => "the valid first request was not answered 200",
            Expect.FirstOkThenRefused when statuses.Skip(1).Any(s => s < 400) => "garbage after a valid request was accepted",
            _ => null,
        };
    }

    /// <summary>
    /// Kestrel's HTTP/1.x parser answers a request line with an unknown HTTP version (<c>HTTP/9.9</c>, an
    /// HTTP/2 preface on an HTTP/1 port) with 505 HTTP Version Not Supported, empty body, and closes the
    /// connection, before the application sees anything (RFC 9110 §15.6.6). It is a protocol rejection, not a
    /// server failure, and cannot be configured; it is counted as such, and any other 5xx fails the run.
    /// </summary>
    private static bool IsKestrelVersionRejection(RawResponse r) => r.Status == 505 && r.Body.Length == 0;

    private static IEnumerable<Case> Cases(string authority, Random random, int mutations)
    {
        static byte[] B(string latin1) => Encoding.Latin1.GetBytes(latin1);
        static byte[] Cat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
        string Get(string target, string extraHeaders = "") => $"GET {target} HTTP/1.1\r\nHost: {authority}\r\n{extraHeaders}\r\n";
        string Post(string target, string body, string extraHeaders = "", string contentType = "application/json") =>
            $"POST {target} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: {contentType}\r\nContent-Length: {Encoding.Latin1.GetByteCount(body)}\r\n{extraHeaders}\r\n{body}";
        string Patch(string target, string body) =>
            $"PATCH {target} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n{body}";

        // 1. Path ids with NUL, invalid UTF-8 (percent-encoded), traversal and CRLF injection.
        string[] ids =
        [
            "%00", "1%00", "%001", "1%00%00", "%C3%28", "%FF", "%FE%FF", "%E2%28%A1", "%F0%28%8C%BC", "%C0%AF", "%ED%A0%80", "%F4%90%80%80", "%80",
            "1%FF2", "%25%00", "%%", "%G1", "%", "..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2f", "1%0D%0AX-Injected:%201", "1%20HTTP/1.1", "%EF%BF%BF",
            "1;DROP%20TABLE%20orders", "1'%20OR%20'1'='1", "%u0031",
        ];
        foreach (var id in ids)
        {
            yield return new("path id: encoded", $"GET /couriers/{id}", B(Get($"/couriers/{id}")), Expect.Refused);
            yield return new("path id: encoded", $"GET /orders/{id}", B(Get($"/orders/{id}")), Expect.Refused);
            yield return new("path id: encoded", $"GET /imports/{id}", B(Get($"/imports/{id}")), Expect.Refused);
            yield return new("path id: encoded", $"PATCH /couriers/{id}", B(Patch($"/couriers/{id}", "{}")), Expect.Refused);
        }

        // 2. Raw bytes in the path that HTTP does not allow there.
        byte[][] rawBytes = [[0x00], [0x80], [0xFF], [0xC3, 0x28], [0xE2, 0x82, 0xAC], [0x7F], [0x09], [0x0B], [0xC0, 0xAF], [0xED, 0xA0, 0x80]];
        foreach (var raw in rawBytes)
        {
            var hex = Convert.ToHexString(raw);
            foreach (var path in new[] { "/couriers/", "/orders/", "/imports/" })
            {
                yield return new("path: raw bytes", $"GET {path}1<{hex}>", Cat(B($"GET {path}1"), raw, B($" HTTP/1.1\r\nHost: {authority}\r\n\r\n")), Expect.Refused);
            }

            yield return new("path: raw bytes", $"POST /orders/assign<{hex}>", Cat(B("POST /orders/assign"), raw, B($" HTTP/1.1\r\nHost: {authority}\r\nContent-Length: 16\r\n\r\n{{\"courier_id\":1}}")), Expect.Refused);
        }

        // 3. Header names and values with bytes that HTTP forbids.
        byte[][] badValues = [[0x00], [0xFF, 0xFE], [0xC3, 0x28], [0x7F], [0x0D, 0x41], [0x0A, 0x41], [0xE2, 0x82, 0xAC], [0x01], [0x1B, 0x5B, 0x33, 0x31, 0x6D]];
        foreach (var value in badValues)
        {
            var hex = Convert.ToHexString(value);
            // On requests the API refuses anyway: whether Kestrel or the API says no, the answer must be a 4xx.
            yield return new("header: bad value bytes", $"X-Test <{hex}> on GET /couriers/0", Cat(B($"GET /couriers/0 HTTP/1.1\r\nHost: {authority}\r\nX-Test: a"), value, B("b\r\n\r\n")), Expect.Refused);
            yield return new("header: bad value bytes", $"Content-Type <{hex}> on POST /orders/assign",
                Cat(B($"POST /orders/assign HTTP/1.1\r\nHost: {authority}\r\nContent-Length: 16\r\nContent-Type: application/json; charset="), value, B("\r\n\r\n{\"courier_id\":0}")), Expect.Refused);
            yield return new("header: bad value bytes", $"Host <{hex}>", Cat(B("GET /couriers/1 HTTP/1.1\r\nHost: x"), value, B("\r\n\r\n")), Expect.Refused);
        }

        string[] badNames = ["X\u00FFY", "X Y", "X\0Y", "(X)", "", "X\tY", "X/Y", "X@Y", "X\u0080"];
        foreach (var name in badNames)
        {
            yield return new("header: bad name", $"name {Convert.ToHexString(Encoding.Latin1.GetBytes(name))}", B($"GET /couriers/0 HTTP/1.1\r\nHost: {authority}\r\n{name}: 1\r\n\r\n"), Expect.Refused);
        }

        // 4. Huge headers (Kestrel: 32 KiB of headers, 100 headers).
        yield return new("header: huge", "one 40 KiB value", B(Get("/couriers/1", $"X-Big: {new string('a', 40 * 1024)}\r\n")), Expect.Refused);
        yield return new("header: huge", "one 1 MiB value", B(Get("/couriers/1", $"X-Big: {new string('a', 1 << 20)}\r\n")), Expect.Refused);
        yield return new("header: huge", "a 40 KiB name", B(Get("/couriers/1", $"{new string('X', 40 * 1024)}: 1\r\n")), Expect.Refused);
        yield return new("header: huge", "150 headers", B(Get("/couriers/1", string.Concat(Enumerable.Range(0, 150).Select(i => $"X-H{i}: {i}\r\n")))), Expect.Refused);
        yield return new("header: huge", "5000 headers", B(Get("/couriers/1", string.Concat(Enumerable.Range(0, 5000).Select(i => $"X-H{i}: {i}\r\n")))), Expect.Refused);
        yield return new("header: huge", "64 KiB cookie", B(Get("/couriers/1", $"Cookie: {string.Concat(Enumerable.Range(0, 4000).Select(i => $"c{i}=v{i}; "))}\r\n")), Expect.Refused);
        yield return new("header: huge", "40 KiB of one header repeated", B(Get("/couriers/1", string.Concat(Enumerable.Range(0, 90).Select(_ => $"Accept: {new string('b', 450)}\r\n")))), Expect.Refused);

        // 5. Absurdly long URLs (Kestrel: 8 KiB request line).
        foreach (var size in new[] { 9 * 1024, 64 * 1024, 1 << 20 })
        {
            yield return new("url: absurdly long", $"path of {size} bytes", B(Get("/couriers/" + new string('9', size))), Expect.Refused);
            yield return new("url: absurdly long", $"query of {size} bytes", B(Get("/couriers?offset=0&x=" + new string('a', size))), Expect.Refused);
        }

        yield return new("url: long but within limits", "id of 7000 digits", B(Get("/couriers/" + new string('9', 7000))), Expect.Refused);
        yield return new("url: long but within limits", "2000 query parameters", B(Get("/couriers?" + string.Join("&", Enumerable.Range(0, 2000).Select(i => "limit=" + i)))), Expect.Refused);
        yield return new("url: long but within limits", "/orders?status= of 7000 bytes", B(Get("/orders?status=" + new string('p', 7000))), Expect.Refused);
        yield return new("url: long but within limits", "path of 700 segments", B(Get(string.Concat(Enumerable.Range(0, 700).Select(_ => "/a")) + "/couriers/1")), Expect.Refused);

        // 6. Pipelining: a valid request followed by garbage; garbage pipelined behind refused requests.
        for (var i = 0; i < 20; i++)
        {
            var garbage = new byte[random.Next(1, 300)];
            random.NextBytes(garbage);
            yield return new("pipelining: garbage", $"GET /health/live + {garbage.Length} random bytes (variant {i})",
                Cat(B(Get("/health/live")), garbage, B("\r\n\r\n")), Expect.FirstOkThenRefused, 2);
        }

        yield return new("pipelining: garbage", "GET /health/live + GARBAGE line", B(Get("/health/live") + "GARBAGE\r\n\r\n"), Expect.FirstOkThenRefused, 2);
        yield return new("pipelining: garbage", "GET /health/live + half a request", B(Get("/health/live") + "GET /couriers/1 HTT"), Expect.FirstOkThenRefused, 2);
        yield return new("pipelining: garbage", "30 refused requests then garbage",
            B(string.Concat(Enumerable.Range(0, 30).Select(_ => Get("/couriers/0"))) + "\u0000\u0001\u0002\r\n\r\n"), Expect.Refused, 31);
        yield return new("pipelining: garbage", "body shorter than Content-Length says, then a new request",
            B($"POST /orders/assign HTTP/1.1\r\nHost: {authority}\r\nContent-Length: 5\r\n\r\n{{\"courier_id\":1}}GET /couriers/1 HTTP/1.1\r\n\r\n"), Expect.Refused, 2);
        yield return new("pipelining: garbage", "valid request, then an HTTP/2 preface",
            B(Get("/health/live") + "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), Expect.FirstOkThenRefused, 2);

        // 7. Request smuggling shapes.
        yield return new("smuggling", "Content-Length twice, different",
            B($"POST /orders/assign HTTP/1.1\r\nHost: {authority}\r\nContent-Length: 16\r\nContent-Length: 5\r\n\r\n{{\"courier_id\":1}}"), Expect.Refused);
        yield return new("smuggling", "Content-Length: 16, 16",
            B($"POST /orders/assign HTTP/1.1\r\nHost: {authority}\r\nContent-Length: 16, 5\r\n\r\n{{\"courier_id\":1}}"), Expect.Refused);
        yield return new("smuggling", "Transfer-Encoding chunked and Content-Length, smuggled GET",
            B($"POST /orders/assign HTTP/1.1\r\nHost: {authority}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /couriers/0 HTTP/1.1\r\nHost: {authority}\r\n\r\n"), Expect.Refused, 2);
        yield return new("smuggling", "Transfer-Encoding: xchunked",
            B($"POST /orders/assign HTTP/1.1\r\nHost: {authority}\r\nTransfer-Encoding: xchunked\r\n\r\n10\r\n{{\"courier_id\":1}}\r\n0\r\n\r\n"), Expect.Refused);
        yield return new("smuggling", "Transfer-Encoding: chunked, identity",
            B($"POST /orders/assign HTTP/1.1\r\nHost: {authority}\r\nTransfer-Encoding: chunked, identity\r\n\r\n10\r\n{{\"courier_id\":1}}\r\n0\r\n\r\n"), Expect.Refused);
        yield return new("smuggling", "Transfer-Encoding with a space before the colon",
            B($"POST /orders/assign HTTP/1.1\r\nHost: {authority}\r\nTransfer-Encoding : chunked\r\n\r\n10\r\n{{\"courier_id\":1}}\r\n0\r\n\r\n"), Expect.Refused);
        yield return new("smuggling", "chunk size not hex", B($"POST /orders/assign HTTP/1.1\r\nHost: {authority}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{{}}\r\n0\r\n\r\n"), Expect.Refused);
        yield return new("smuggling", "chunk size overflows", B($"POST /orders/assign HTTP/1.1\r\nHost: {authority}\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\n{{}}\r\n0\r\n\r\n"), Expect.Refused);
        foreach (var target in new[] { "/couriers", "/orders", "/orders/complete", "/imports/orders" })
        {
            yield return new("smuggling", $"chunk size overflows on {target}", B($"POST {target} HTTP/1.1\r\nHost: {authority}\r\nTransfer-Encoding: chunked\r\n\r\n1ffffffffffffffff\r\n{{}}\r\n0\r\n\r\n"), Expect.Refused);
        }

        yield return new("smuggling", "chunk longer than its size", B($"POST /orders/assign HTTP/1.1\r\nHost: {authority}\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{{\"courier_id\":1}}\r\n0\r\n\r\n"), Expect.Refused);

        // 8. Protocol violations.
        string[] violations =
        [
            "GET /couriers/1 HTTP/1.1\r\n\r\n", // no Host
            $"GET /couriers/1 HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
            $"GET /couriers/1 HTTP/9.9\r\nHost: {authority}\r\n\r\n",
            $"GET /couriers/1 HTTP/1.1 extra\r\nHost: {authority}\r\n\r\n",
            $"GET  /couriers/1  HTTP/1.1\r\nHost: {authority}\r\n\r\n",
            $"GET /couriers/1 HTTP/1.1\nHost: {authority}\n\n",
            $"GET /couriers/1 HTTP/1.1\rHost: {authority}\r\r",
            $"GET /couriers/1 HTTP/1.1\r\nHost: {authority}\r\nNoColonHere\r\n\r\n",
            $"GET /couriers/1 HTTP/1.1\r\nHost: {authority}\r\nX-Fold: a\r\n b\r\n\r\n",
            $"GET /couriers/1 HTTP/1.1\r\nHost : {authority}\r\n\r\n",
            $"GET couriers/1 HTTP/1.1\r\nHost: {authority}\r\n\r\n",
            $"GET * HTTP/1.1\r\nHost: {authority}\r\n\r\n",
            $"G\0T /couriers/1 HTTP/1.1\r\nHost: {authority}\r\n\r\n",
            $"{new string('G', 10_000)} /couriers/1 HTTP/1.1\r\nHost: {authority}\r\n\r\n",
            $"POST /orders/assign HTTP/1.1\r\nHost: {authority}\r\nContent-Length: -1\r\n\r\n",
            $"POST /orders/assign HTTP/1.1\r\nHost: {authority}\r\nContent-Length: 1e3\r\n\r\n",
            $"POST /orders/assign HTTP/1.1\r\nHost: {authority}\r\nContent-Length: 99999999999999999999999\r\n\r\n",
            $"POST /orders/assign HTTP/1.1\r\nHost: {authority}\r\nContent-Length: 0x10\r\n\r\n",
            $"POST /orders/assign HTTP/1.1\r\nHost: {authority}\r\nContent-Length: 16\r\n\r\n{{\"cour", // body cut short, then the client goes quiet
            "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
            "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003", // a TLS ClientHello on the plain port
            $"CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n",
            $"GET http://evil.example/couriers/0 HTTP/1.1\r\nHost: {authority}\r\n\r\n",
            $"TRACE /couriers/1 HTTP/1.1\r\nHost: {authority}\r\n\r\n",
            $"DELETE /couriers/1 HTTP/1.1\r\nHost: {authority}\r\n\r\n",
            $"PUT /orders HTTP/1.1\r\nHost: {authority}\r\nContent-Length: 2\r\n\r\n{{}}",
            $"GET /couriers/1 HTTP/1.1\r\nHost: {authority}\r\nUpgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n",
            $"POST /orders/assign HTTP/1.1\r\nHost: {authority}\r\nExpect: 100-continue\r\nContent-Length: 2000000000\r\n\r\n",
            $"POST /orders/assign HTTP/1.1\r\nHost: {authority}\r\nExpect: teapot\r\nContent-Length: 16\r\n\r\n{{\"courier_id\":0}}",
            $"GET /couriers/1 HTTP/1.0\r\n\r\nGET /couriers/0 HTTP/1.1\r\nHost: {authority}\r\n\r\n",
            "\r\n\r\n\r\n\r\n",
            new string('\0', 4096),
        ];
        for (var i = 0; i < violations.Length; i++)
        {
            // HTTP/1.0 needs no Host, so its request is valid (Kestrel answers it and closes); an h2c upgrade
            // request is served as plain HTTP/1.1 (no upgrade offered). Everything else must be refused.
            // Bare LF line ends are allowed to recipients (RFC 9112 §2.2) and Kestrel accepts them.
            var expect = violations[i].Contains("HTTP/1.0", StringComparison.Ordinal) || violations[i].Contains("h2c", StringComparison.Ordinal)
                || !violations[i].Contains('\r', StringComparison.Ordinal) && violations[i].Contains('\n', StringComparison.Ordinal)
                ? Expect.Harmless : Expect.Refused;
            yield return new("protocol violation", $"#{i}: {Printable(violations[i])}", B(violations[i]), expect);
        }

        var noise = new byte[1 << 20];
        random.NextBytes(noise);
        yield return new("protocol violation", "1 MiB of random bytes", noise, Expect.Refused);

        // 9. Bodies no endpoint can accept, on real Kestrel.
        var assignTargets = new[] { "/orders/assign", "/orders/complete", "/couriers", "/orders" };
        foreach (var target in assignTargets)
        {
            yield return new("body: malformed", $"{target} invalid UTF-8", Cat(B($"POST {target} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{{\"courier_id\":\""), [0xFF, 0xFE, 0xC3, 0x28], B("\"}")), Expect.Refused);
            yield return new("body: malformed", $"{target} 100,000 nested arrays", B(Post(target, "{\"data\":" + new string('[', 100_000) + new string(']', 100_000) + "}")), Expect.Refused);
            yield return new("body: malformed", $"{target} 10,000 nested objects", B(Post(target, string.Concat(Enumerable.Repeat("{\"a\":", 10_000)) + "1" + new string('}', 10_000))), Expect.Refused);
            yield return new("body: malformed", $"{target} number of 50,000 digits", B(Post(target, "{\"courier_id\":" + new string('7', 50_000) + "}")), Expect.Refused);
            yield return new("body: malformed", $"{target} NaN", B(Post(target, "{\"courier_id\":NaN}")), Expect.Refused);
            yield return new("body: malformed", $"{target} multipart form", B(Post(target, "--x\r\nContent-Disposition: form-data; name=\"data\"\r\n\r\n[]\r\n--x--\r\n", contentType: "multipart/form-data; boundary=x")), Expect.Refused);
            yield return new("body: malformed", $"{target} urlencoded form", B(Post(target, "data=%5B%5D&courier_id=1", contentType: "application/x-www-form-urlencoded")), Expect.Refused);
            yield return new("body: malformed", $"{target} gzip-labelled garbage", B(Post(target, "\u001f\u008b\u0008\u0000garbage", "Content-Encoding: gzip\r\n")), Expect.Refused);
            yield return new("body: malformed", $"{target} 5 MiB string value", B(Post(target, "{\"courier_id\":\"" + new string('x', 5 << 20) + "\"}")), Expect.Refused);
            yield return new("body: malformed", $"{target} NUL inside a string", B(Post(target, "{\"data\":\"\u0000\"}")), Expect.Refused);
        }

        // 10. Seeded random byte mutations of valid requests: anything but a 5xx (a mutation may leave one valid).
        string[] valid =
        [
            Get("/couriers/1"),
            Get("/orders/1"),
            Post("/orders/assign", "{\"courier_id\":1}"),
            Post("/orders/complete", "{\"courier_id\":1,\"order_id\":1,\"complete_time\":\"2026-01-10T10:33:01.42Z\"}"),
            Patch("/couriers/1", "{\"regions\":[1,2]}"),
            Post("/couriers", "{\"data\":[{\"courier_id\":7,\"courier_type\":\"bike\",\"regions\":[1],\"working_hours\":[\"09:00-18:00\"]}]}"),
        ];
        for (var i = 0; i < mutations; i++)
        {
            var bytes = B(valid[random.Next(valid.Length)]).ToList();
            var edits = random.Next(1, 5);
            for (var e = 0; e < edits && bytes.Count > 1; e++)
            {
                var at = random.Next(bytes.Count);
                switch (random.Next(4))
                {
                    case 0:
                        bytes[at] = (byte)random.Next(256);
                        break;
                    case 1:
                        bytes.Insert(at, (byte)random.Next(256));
                        break;
                    case 2:
                        bytes.RemoveAt(at);
                        break;
                    default:
                        bytes.InsertRange(at, bytes.Skip(at).Take(random.Next(1, 40)).ToArray());
                        break;
                }
            }

            yield return new("random mutation", $"mutation {i}", bytes.ToArray(), Expect.Harmless);
        }
    }

    private static string Printable(string text)
    {
        var shown = new string(text.Take(70).Select(ch => ch is >= ' ' and < '\u007f' ? ch : '·').ToArray());
        return text.Length > 70 ? shown + "…" : shown;
    }
}
