using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace SweetsStore.Api.Infrastructure;

/// <summary>
/// The one way settings are read: every configuration section is bound to a typed options class
/// (<see cref="AddSettings{T}"/>), checked by its data annotations (and <see cref="IValidatableObject"/> for what they
/// cannot say) when the process starts. A nonsense value stops the process before it serves anything, with one line
/// naming the key as the environment spells it (<c>Jobs__LeaseSeconds must be from 3 to 86400</c>, see
/// <see cref="Problem"/>); a default is written once, in its options class.
/// </summary>
public static partial class Settings
{
    /// <summary>The message of a <see cref="RangeAttribute"/> on a setting: the key is put in front of it.</summary>
    public const string FromTo = "must be from {1} to {2}";

    /// <summary>Binds section <paramref name="section"/> to <typeparamref name="T"/>, validated at start.</summary>
    public static OptionsBuilder<T> AddSettings<T>(this IServiceCollection services, string section)
        where T : class
    {
        services.AddSingleton<IValidateOptions<T>>(new AnnotationsValidator<T>(section));
        return services.AddOptions<T>().BindConfiguration(section).ValidateOnStart();
    }

    /// <summary>
    /// Checks every setting registered with <see cref="AddSettings{T}"/> (and any other <c>ValidateOnStart</c>);
    /// returns the problems as one line, or null when all are sensible.
    /// </summary>
    public static string? Problem(IServiceProvider services)
    {
        try
        {
            services.GetRequiredService<IStartupValidator>().Validate();
            return null;
        }
        catch (Exception e) when (e is OptionsValidationException or AggregateException or InvalidOperationException)
        {
            return string.Join("; ", Lines(e).Distinct());
        }
    }

    private static IEnumerable<string> Lines(Exception e) => e switch
    {
        AggregateException a => a.InnerExceptions.SelectMany(Lines),
        OptionsValidationException v => v.Failures.Select(f => f.ReplaceLineEndings(" ")),
        // The binder's "Failed to convert configuration value 'x' at 'Jobs:Workers' to type 'System.Int32'."
        InvalidOperationException b when BinderFailure().Match(b.Message) is { Success: true } m =>
            [$"{Key(m.Groups["key"].Value)}: must be {Describe(m.Groups["type"].Value)}"],
        _ => [e.Message.ReplaceLineEndings(" ")],
    };

    /// <summary>A key as an operator sets it in the environment: <c>Jobs__LeaseSeconds</c>, <c>Limits__BodyBytes__Orders</c>.</summary>
    private static string Key(string path) => path.Replace(":", "__", StringComparison.Ordinal);

    private static string Describe(string type) => type switch
    {
        "System.Boolean" => "true or false",
        "System.Int32" or "System.Int64" => "a whole number",
        "System.Double" => "a number",
        _ => $"a {type}",
    };

    [GeneratedRegex("at '(?<key>[^']+)' to type '(?<type>[^']+)'")]
    private static partial Regex BinderFailure();

    /// <summary>Data annotations (and <see cref="IValidatableObject"/>), each failure as "<c>Section:Member message</c>".</summary>
    private sealed class AnnotationsValidator<T>(string section) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var results = new List<ValidationResult>();
            if (Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
            {
                return ValidateOptionsResult.Success;
            }

            return ValidateOptionsResult.Fail(results.Select(r =>
                (r.MemberNames.FirstOrDefault() is { } member ? $"{Key($"{section}:{member}")} {r.ErrorMessage}" : $"{Key(section)}: {r.ErrorMessage}")
                    .ReplaceLineEndings(" ")));
        }
    }
}
