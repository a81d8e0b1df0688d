using System.Text;
using System.Text.RegularExpressions;

namespace SweetsStore.Reliability;

/// <summary>
/// A grep-level audit of the SQL of the product projects (<c>SweetsStore.Api</c>, <c>.Data</c>, <c>.Domain</c> under the
/// given root): every interpolated string literal that holds SQL is found, and each
/// of its holes must be a known fixed fragment (listed below with the reason it is safe); values always go
/// in as <c>$n</c> parameters. Also refuses SQL built with <c>+</c> and EF Core's raw-SQL entry points.
/// A new hole fails the audit until someone reads it and adds it here.
/// </summary>
public static partial class SqlAudit
{
    private static readonly (string File, string Hole, string Why)[] Allowed =
    [
        ("Data/DeliveryService.cs", "(wait ? \"FOR UPDATE\" : \"FOR UPDATE SKIP LOCKED\")", "one of two fixed lock clauses, chosen by a bool"),
        ("Data/OrderService.cs", "SelectView", "a const string in the same class"),
        ("Data/OrderService.cs", "filter", "picked by a switch from four fixed clauses; an unknown status throws before any SQL"),
        ("Data/Imports/ImportStore.cs", "SelectView", "a const string in the same class"),
        ("Data/Imports/ImportStore.cs", "SelectListView", "a const string in the same class (the list's columns, without the report)"),
        ("Data/Imports/ImportStore.cs", "Unfinished", "a const string in the same class (the statuses of an import not ended)"),
        ("Data/StatsService.cs", "Jobs.JobTables.Schema", "a const string (Hangfire's schema name)"),
        ("Data/Jobs/JobTables.cs", "Schema", "a const string in the same class (Hangfire's schema name)"),
        ("Data/Imports/ImportSession.cs", "_table.IdColumn", "the fixed id column of one of the two ImportTables (internal: nothing else can make one)"),
        ("Data/Imports/ImportSession.cs", "_table.Table", "the fixed table of one of the two ImportTables"),
        ("Data/Idempotency/IdempotencyStore.cs", "when ?? \"true\"", "true, or the condition a service passes as a const string (DeliveryService.DeliveredBy); its values go in as parameters $8 on"),
        ("Data/Bundles.cs", "bundle", "one of two fixed expressions (\"$1\" or the bundle of order $1), chosen by the two fields that call it"),
    ];

    private static readonly string[] CommandSites =
        ["CreateCommand(", "Sql.Command(", "Sql.BatchCommand(", "new NpgsqlCommand(", "new NpgsqlBatchCommand(", "BeginBinaryImportAsync(", "BeginBinaryImport("];

    private static readonly string[] RawEf = ["FromSqlRaw", "ExecuteSqlRaw", "SqlQueryRaw", "FromSqlInterpolated", "ExecuteSqlInterpolated"];

    // The product projects sit at the root (SweetsStore.Api/, .Data/, .Domain/); tests, bench and tools are not audited.
    private static bool IsProductCode(string relative) =>
        relative.StartsWith("SweetsStore.", StringComparison.Ordinal) && !relative.StartsWith("SweetsStore.Tests", StringComparison.Ordinal);

    public static Task<int> RunAsync(Options options)
    {
        var root = options.String("src");
        var files = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => IsProductCode(Path.GetRelativePath(root, f)) && !f.Contains("/bin/", StringComparison.Ordinal)
                && !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/Migrations/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        var failures = 0;
        var sites = 0;
        var interpolated = 0;
        Console.WriteLine($"SQL audit of {files.Count} C# files under {root} (EF Core migrations excluded: generated, no input):");
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            var relative = Path.GetRelativePath(root, file).Replace("SweetsStore.", "", StringComparison.Ordinal);
            sites += CommandSites.Sum(s => Count(text, s));
            foreach (var raw in RawEf.Where(r => text.Contains(r, StringComparison.Ordinal)))
            {
                Console.WriteLine($"  FAIL {relative}: uses EF Core's {raw}");
                failures++;
            }

            foreach (Match m in Concatenated().Matches(text))
            {
                Console.WriteLine($"  FAIL {relative}:{Line(text, m.Index)}: SQL built with + : {m.Value.Trim()}");
                failures++;
            }

            foreach (var literal in InterpolatedLiterals(text))
            {
                var before = text[Math.Max(0, literal.Start - 60)..literal.Start];
                if (!LooksLikeSql(literal.Text) && !CommandSites.Any(site => before.TrimEnd().EndsWith(site, StringComparison.Ordinal)))
                {
                    continue;
                }

                interpolated++;
                foreach (var hole in literal.Holes)
                {
                    var allowed = Allowed.FirstOrDefault(a => relative.EndsWith(a.File, StringComparison.Ordinal) && a.Hole == hole);
                    if (allowed.Why is null)
                    {
                        Console.WriteLine($"  FAIL {relative}:{Line(text, literal.Start)}: SQL with an unreviewed hole {{{hole}}}");
                        failures++;
                    }
                    else
                    {
                        Console.WriteLine($"  ok   {relative}:{Line(text, literal.Start)}: {{{hole}}} — {allowed.Why}");
                    }
                }
            }
        }

        Console.WriteLine($"  {sites} SQL command sites (commands, batches, COPY); {interpolated} interpolated SQL strings, each hole listed above"
            + (failures == 0 ? "; every value goes in as a $n parameter; no SQL built with +; no EF Core raw SQL" : ""));
        Console.WriteLine($"  failures: {failures}");
        return Task.FromResult(failures == 0 ? 0 : 1);
    }

    private sealed record Literal(int Start, string Text, List<string> Holes);

    private static bool LooksLikeSql(string text) => SqlWords().IsMatch(text);

    [GeneratedRegex(@"\b(SELECT|INSERT INTO|UPDATE|DELETE FROM|WHERE|FROM|JOIN|ORDER BY|LIMIT|OFFSET|LISTEN|NOTIFY|pg_notify|COPY)\b")]
    private static partial Regex SqlWords();

    [GeneratedRegex("\"[^\"\\n]*\\b(SELECT|INSERT|UPDATE|DELETE|WHERE|FROM|AND|OR|VALUES|SET)\\b[^\"\\n]*\"\\s*\\+|\\+\\s*\"[^\"\\n]*\\b(SELECT|WHERE|FROM|AND|OR|VALUES|SET|LIMIT|OFFSET)\\b[^\"\\n]*\"")]
    private static partial Regex Concatenated();

    private static int Count(string text, string what)
    {
        var n = 0;
        for (var at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }

    private static int Line(string text, int index) => text.AsSpan(0, index).Count('\n') + 1;

    /// <summary>Every interpolated string literal ($"…", $@"…", @$"…", $"""…""", $$"""…""") with its text outside the holes and the holes.</summary>
    private static IEnumerable<Literal> InterpolatedLiterals(string text)
    {
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '/' && i + 1 < text.Length && text[i + 1] == '/')
            {
                i = text.IndexOf('\n', i) is var nl && nl < 0 ? text.Length : nl;
                continue;
            }

            if (c == '$' || (c == '@' && i + 1 < text.Length && text[i + 1] == '$'))
            {
                var start = i;
                var verbatim = c == '@';
                if (verbatim)
                {
                    i++;
                }

                var dollars = 0;
                while (i < text.Length && text[i] == '$')
                {
                    dollars++;
                    i++;
                }

                if (i < text.Length && text[i] == '@')
                {
                    verbatim = true;
                    i++;
                }

                if (i < text.Length && text[i] == '"')
                {
                    var literal = ReadInterpolated(text, ref i, dollars, verbatim);
                    yield return literal with { Start = start };
                    continue;
                }
            }

            if (c == '"')
            {
                SkipPlainString(text, ref i);
                continue;
            }

            if (c == '\'')
            {
                i = SkipChar(text, i);
                continue;
            }

            i++;
        }
    }

    private static Literal ReadInterpolated(string text, ref int i, int dollars, bool verbatim)
    {
        var quotes = 0;
        while (i < text.Length && text[i] == '"')
        {
            quotes++;
            i++;
        }

        var raw = quotes >= 3;
        if (!raw && quotes == 2)
        {
            return new Literal(i, "", []); // $"" : empty
        }

        var outside = new StringBuilder();
        var holes = new List<string>();
        var open = raw ? new string('{', dollars) : "{";
        while (i < text.Length)
        {
            if (raw && text.AsSpan(i).StartsWith(new string('"', quotes)))
            {
                i += quotes;
                break;
            }

            if (!raw && text[i] == '"')
            {
                if (verbatim && i + 1 < text.Length && text[i + 1] == '"')
                {
                    outside.Append('"');
                    i += 2;
                    continue;
                }

                i++;
                break;
            }

            if (!raw && !verbatim && text[i] == '\\')
            {
                outside.Append(text, i, 2);
                i += 2;
                continue;
            }

            if (!raw && text.AsSpan(i).StartsWith("{{"))
            {
                outside.Append('{');
                i += 2;
                continue;
            }

            if (text.AsSpan(i).StartsWith(open) && !(raw && i + open.Length < text.Length && text[i + open.Length] == '{'))
            {
                i += open.Length;
                var holeStart = i;
                var depth = 0;
                while (i < text.Length)
                {
                    var h = text[i];
                    if (h == '"')
                    {
                        SkipPlainString(text, ref i);
                        continue;
                    }

                    if (h == '\'')
                    {
                        i = SkipChar(text, i);
                        continue;
                    }

                    if (h is '(' or '[' or '{')
                    {
                        depth++;
                    }
                    else if (h is ')' or ']' || (h == '}' && depth > 0))
                    {
                        depth--;
                    }
                    else if (h == '}' && depth == 0)
                    {
                        break;
                    }

                    i++;
                }

                holes.Add(text[holeStart..i].Trim());
                i += raw ? dollars : 1;
                continue;
            }

            outside.Append(text[i]);
            i++;
        }

        return new Literal(0, outside.ToString(), holes);
    }

    private static void SkipPlainString(string text, ref int i)
    {
        var quotes = 0;
        while (i < text.Length && text[i] == '"')
        {
            quotes++;
            i++;
        }

        if (quotes == 2)
        {
            return;
        }

        if (quotes >= 3)
        {
            var end = text.IndexOf(new string('"', quotes), i, StringComparison.Ordinal);
            i = end < 0 ? text.Length : end + quotes;
            return;
        }

        var verbatim = i >= 2 && text[i - 2] == '@';
        while (i < text.Length)
        {
            if (!verbatim && text[i] == '\\')
            {
                i += 2;
                continue;
            }

            if (text[i] == '"')
            {
                if (verbatim && i + 1 < text.Length && text[i + 1] == '"')
                {
                    i += 2;
                    continue;
                }

                i++;
                return;
            }

            i++;
        }
    }

    private static int SkipChar(string text, int i)
    {
        var end = text.IndexOf('\'', text[i + 1] == '\\' ? i + 3 : i + 2);
        return end < 0 ? text.Length : end + 1;
    }
}
