using System.Text;
using System.Text.Json;
using SweetsStore.Api.Contracts;

namespace SweetsStore.Tests.Contracts;

/// <summary>
/// What a client reads when its body is not valid JSON: the reason in our words, with line (1-based) and byte
/// (bytes before the error on its line). System.Text.Json stays the judge; these tests check that the
/// description finds a problem exactly when the reader refuses, and that the streamed import says the same as a
/// whole-body read wherever its chunks are cut.
/// </summary>
public class JsonSyntaxTests
{
    [Theory]
    [InlineData("""{"data": [{"courier_id": 1 "courier_type": "foot"}]}""", "expected ',' or '}' after a property value (line 1, byte 27)")]
    [InlineData("""{"data": [{"courier_id": 1,""", "the body ends early, expected a property name in double quotes (line 1, byte 27)")]
    [InlineData("""{"data" 1}""", "expected ':' after a property name (line 1, byte 8)")]
    [InlineData("""{"a": 1,}""", "a trailing ',' before '}' is not allowed (line 1, byte 8)")]
    [InlineData("[1,]", "a trailing ',' before ']' is not allowed (line 1, byte 3)")]
    [InlineData("[1 2]", "expected ',' or ']' after an array item (line 1, byte 3)")]
    [InlineData("{a: 1}", "expected a property name in double quotes or '}' (line 1, byte 1)")]
    [InlineData("""{"a": 1, 'b': 2}""", "expected a property name in double quotes (line 1, byte 9)")]
    [InlineData("""{"a": tru}""", "expected a value: an object, an array, a string in double quotes, a number, true, false or null (line 1, byte 6)")]
    [InlineData("""{"a": 'x'}""", "expected a value: an object, an array, a string in double quotes, a number, true, false or null (line 1, byte 6)")]
    [InlineData("""{"a": 01}""", "a number must not start with 0 followed by more digits (line 1, byte 7)")]
    [InlineData("""{"a": 1.}""", "expected a digit after '.' (line 1, byte 8)")]
    [InlineData("""{"a": -}""", "expected a digit after '-' (line 1, byte 7)")]
    [InlineData("""{"a": 1e}""", "expected a digit in the exponent (line 1, byte 8)")]
    [InlineData("{\"a\": \"x\ny\"}", "a string must not hold the control character 0x0A (write it as an escape such as \\n) (line 1, byte 8)")]
    [InlineData("""{"a": "\q"}""", "'q' after '\\' is not an escape (use \\\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t or \\uXXXX) (line 1, byte 8)")]
    [InlineData("""{"a": "\u12g4"}""", "expected four hexadecimal digits after '\\u' (line 1, byte 11)")]
    [InlineData("""{"a": "abc""", "the body ends inside a string (line 1, byte 10)")]
    [InlineData("{} {}", "unexpected text after the JSON value (line 1, byte 3)")]
    [InlineData("{\"a\": 1}\n\n  x", "unexpected text after the JSON value (line 3, byte 2)")]
    [InlineData("{\n  \"a\": 1,\n  \"b\" 2\n}", "expected ':' after a property name (line 3, byte 6)")]
    [InlineData("{", "the body ends early, expected a property name in double quotes or '}' (line 1, byte 1)")]
    [InlineData("[", "the body ends early, expected a value or ']' (line 1, byte 1)")]
    [InlineData("""{"a": [1, 2""", "the body ends early, expected ',' or ']' after an array item (line 1, byte 11)")]
    [InlineData("nonsense", "expected a value: an object, an array, a string in double quotes, a number, true, false or null (line 1, byte 0)")]
    [InlineData("// comment\n{}", "expected a value: an object, an array, a string in double quotes, a number, true, false or null (line 1, byte 0)")]
    [InlineData("""{"é": "é", ?}""", "expected a property name in double quotes (line 1, byte 13)")]
    public void SaysWhatIsWrongAndWhere(string body, string expected)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 32 }).Dispose());

        Assert.Equal("is not valid JSON: " + expected, JsonSyntax.Describe(bytes, 32));
    }

    [Fact]
    public void NamesTheNestingLimit()
    {
        var body = Encoding.ASCII.GetBytes(new string('[', 40) + new string(']', 40));

        Assert.Equal("is not valid JSON: objects and arrays nest more than 32 deep (line 1, byte 32)", JsonSyntax.Describe(body, 32));
    }

    [Fact]
    public void AgreesWithTheReaderOnWhatIsValid()
    {
        // Mutations of valid documents: a byte removed, inserted, replaced, or the end cut off.
        var random = new Random(20261203);
        string[] seeds =
        [
            """{"data": [{"courier_id": 1, "courier_type": "foot", "regions": [1, 12], "working_hours": ["11:35-14:05", "09:00-11:00"]}]}""",
            """{"data": [{"order_id": 1, "weight": 0.23, "region": 12, "delivery_hours": []}, {"order_id": 2, "weight": 1e1, "region": 1, "delivery_hours": ["09:00-18:00"]}]}""",
            "{\n  \"courier_id\": 2,\n  \"order_id\": -0.5E+3,\n  \"complete_time\": \"2021-01-10T10:33:01.42Z\\u0041\\n\"\n}",
            """[true, false, null, {"a": {"b": [[]]}}, "x\"y", 0, -1.25e-2]""",
        ];
        const string alphabet = "{}[]:,\" \n\\-+.0123456789eEtrufalsn'/x";
        var refused = 0;
        for (var round = 0; round < 20_000; round++)
        {
            var text = new StringBuilder(seeds[random.Next(seeds.Length)]);
            for (var edits = random.Next(1, 4); edits > 0 && text.Length > 0; edits--)
            {
                var at = random.Next(text.Length);
                switch (random.Next(4))
                {
                    case 0:
                        text.Remove(at, 1);
                        break;
                    case 1:
                        text.Insert(at, alphabet[random.Next(alphabet.Length)]);
                        break;
                    case 2:
                        text[at] = alphabet[random.Next(alphabet.Length)];
                        break;
                    default:
                        text.Length = at;
                        break;
                }
            }

            var bytes = Encoding.UTF8.GetBytes(text.ToString());
            if (bytes.AsSpan().IndexOfAnyExcept(" \t\r\n"u8) < 0)
            {
                continue; // no JSON at all: not "invalid JSON" but "required", decided before
            }

            bool readerRefuses;
            try
            {
                JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 32 }).Dispose();
                readerRefuses = false;
            }
            catch (JsonException)
            {
                readerRefuses = true;
            }

            var found = JsonSyntax.Find(bytes, 0, [], JsonTokenType.None, isFinal: true, 32, "body");
            Assert.True(readerRefuses == found is not null, $"reader refuses: {readerRefuses}, found: {found}, body: {text}");
            refused += readerRefuses ? 1 : 0;
        }

        Assert.True(refused > 10_000, $"only {refused} mutations were invalid");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    public void AStreamedImportSaysWhatAWholeReadSays(int chunk)
    {
        var random = new Random(chunk);
        const string valid = "{\"data\": [\n  {\"order_id\": 1, \"weight\": 0.23, \"region\": 12, \"delivery_hours\": []},\n  {\"order_id\": 2, \"weight\": 15, \"region\": 1, \"delivery_hours\": [\"09:00-18:00\"]}\n]}";
        var compared = 0;
        for (var round = 0; round < 3000; round++)
        {
            var text = new StringBuilder(valid);
            var at = random.Next(text.Length);
            switch (random.Next(3))
            {
                case 0:
                    text.Remove(at, 1);
                    break;
                case 1:
                    text.Insert(at, "{}[]:,\"x 1\n"[random.Next(11)]);
                    break;
                default:
                    text.Length = at;
                    break;
            }

            var bytes = Encoding.UTF8.GetBytes(text.ToString());
            var stream = new ImportStream(ImportStream.Json, 1000);
            for (var i = 0; i < bytes.Length && !stream.Failed; i += chunk)
            {
                stream.Push(bytes.AsSpan(i, Math.Min(chunk, bytes.Length - i)), false, (_, _) => { });
            }

            stream.Push([], true, (_, _) => { });
            if (stream.Errors?["body"] is not [var streamed])
            {
                continue; // valid JSON with a wrong shape ("data is required"), or valid
            }

            Assert.Equal(JsonSyntax.Describe(bytes, 32), streamed);
            compared++;
        }

        Assert.True(compared > 1000, $"only {compared} bodies compared");
    }
}
