using System.Diagnostics;
using Spectre.Console;

namespace SweetsStore.Bench;

/// <summary>Console output: timestamped steps, and progress bars when the terminal is interactive.</summary>
internal static class Ui
{
    private static readonly Stopwatch Clock = Stopwatch.StartNew();

    public static void Section(string title) => AnsiConsole.Write(new Rule($"[bold]{Markup.Escape(title)}[/]").LeftJustified());

    public static void Info(string message) =>
        AnsiConsole.MarkupLine($"[grey]{Clock.Elapsed:mm\\:ss}[/] {Markup.Escape(message)}");

    public static void Warn(string message) =>
        AnsiConsole.MarkupLine($"[grey]{Clock.Elapsed:mm\\:ss}[/] [yellow]{Markup.Escape(message)}[/]");

    /// <summary>Runs <paramref name="work"/> with a progress bar of <paramref name="total"/> steps (plain lines when not interactive).</summary>
    public static async Task<T> ProgressAsync<T>(string label, int total, Func<Action<int>, Task<T>> work)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            Info(label + "…");
            return await work(_ => { });
        }

        T result = default!;
        await AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape(label), maxValue: total);
                result = await work(done => task.Value = done);
                task.Value = total;
            });
        Info(label + " done");
        return result;
    }
}
