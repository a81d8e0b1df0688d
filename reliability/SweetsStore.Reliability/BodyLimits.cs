using System.Text;
using System.Text.Json;

namespace SweetsStore.Reliability;

/// <summary>Body limits and JSON depth on a real Kestrel: oversized bodies → 413 JSON, deeply nested JSON → 400 envelope.</summary>
public static class BodyLimits
{
    public static async Task<int> RunAsync(Options options)
    {
        var uri = new Uri(options.String("url"));
        var ok = true;

        async Task Expect(string name, byte[] request, int status, string shape)
        {
            var exchange = await RawHttp.ExchangeAsync(uri.Host, uri.Port, request, 1, quiet: TimeSpan.FromSeconds(10));
            var response = exchange.Responses.FirstOrDefault();
            var got = response?.Status ?? 0;
            var body = response?.BodyText ?? "";
            var shaped = shape switch
            {
                "problem" => IsObjectWith(body, "status", "trace_id"),
                "validation_error" => IsObjectWith(body, "validation_error"),
                _ => true,
            };
            var pass = got == status && shaped && Leaks.Find(body) is null;
            ok &= pass;
            Console.WriteLine($"  {(pass ? "ok  " : "FAIL")} {name}: {(got == 0 ? exchange.Ending : got)} in {exchange.Milliseconds:0} ms {Seeding.Truncate(body)}");
        }

        var host = uri.Authority;
        static byte[] B(string s) => Encoding.ASCII.GetBytes(s);
        byte[] Post(string path, byte[] body) => [.. B($"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n"), .. body];
        byte[] Chunked(string path, byte[] body)
        {
            var parts = new List<byte>(B($"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"));
            for (var at = 0; at < body.Length; at += 64 * 1024)
            {
                var n = Math.Min(64 * 1024, body.Length - at);
                parts.AddRange(B($"{n:x}\r\n"));
                parts.AddRange(body.AsSpan(at, n).ToArray());
                parts.AddRange(B("\r\n"));
            }

            parts.AddRange(B("0\r\n\r\n"));
            return parts.ToArray();
        }

        var twoMiB = B("{\"courier_id\":1,\"pad\":\"" + new string('x', 2 << 20) + "\"}");
        Console.WriteLine($"body limits and nesting on real Kestrel at {host}:");
        await Expect("POST /orders/assign, 2 MiB body with Content-Length (limit 1 MiB)", Post("/orders/assign", twoMiB), 413, "problem");
        await Expect("POST /orders/assign, 2 MiB body chunked, no Content-Length", Chunked("/orders/assign", twoMiB), 413, "problem");
        await Expect("POST /orders/complete, 2 MiB body chunked", Chunked("/orders/complete", twoMiB), 413, "problem");
        await Expect("PATCH /couriers/1, 2 MiB body", [.. B($"PATCH /couriers/1 HTTP/1.1\r\nHost: {host}\r\nContent-Length: {twoMiB.Length}\r\n\r\n"), .. twoMiB], 413, "problem");
        var big = new byte[65 << 20];
        Array.Fill(big, (byte)' ');
        await Expect("POST /orders, 65 MiB body (limit 64 MiB)", Post("/orders", big), 413, "problem");
        await Expect("POST /couriers, 65 MiB body chunked (limit 64 MiB)", Chunked("/couriers", big), 413, "problem");

        foreach (var depth in new[] { 33, 64, 10_000 })
        {
            await Expect($"POST /orders/assign, courier_id nested {depth} arrays deep",
                Post("/orders/assign", B("{\"courier_id\":" + new string('[', depth) + new string(']', depth) + "}")), 400, "validation_error");
            await Expect($"POST /orders, an element nested {depth} objects deep",
                Post("/orders", B("{\"data\":[" + string.Concat(Enumerable.Repeat("{\"order_id\":", depth)) + "1" + new string('}', depth) + "]}")), 400, "validation_error");
        }

        await Expect("POST /orders/assign, nested 31 deep (within the limit, still invalid)",
            Post("/orders/assign", B("{\"courier_id\":" + new string('[', 30) + new string(']', 30) + "}")), 400, "validation_error");
        return ok ? 0 : 1;
    }

    private static bool IsObjectWith(string body, params string[] names)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.ValueKind == JsonValueKind.Object && names.All(n => json.RootElement.TryGetProperty(n, out _));
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
