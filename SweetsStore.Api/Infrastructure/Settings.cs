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
        services.AddSingleton<IValidateOptions<T>>(provider => new DictionaryValuesValidator<T>(section, provider.GetRequiredService<IConfiguration>()));
        return services.AddOptions<T>().BindConfiguration(section).ValidateOnStart();
    }

    /// <summary>
    /// <paramref name="section"/> bound now, for a setup that needs a setting while services are still being added; the
    /// defaults when a value cannot be read, which <see cref="Problem"/> then reports at start (with one line, not a
    /// stack trace from the middle of the set-up).
    /// </summary>
    public static T ReadOrDefault<T>(IConfigurationSection section)
        where T : class, new()
    {
        try
        {
            return section.Get<T>() ?? new T();
        }
        catch (InvalidOperationException)
        {
            return new T();
        }
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

    /// <summary>
    /// Values set inside a dictionary setting (<c>Limits__BodyBytes__Orders</c>, <c>RateLimiting__Policies__assign__PermitLimit</c>)
    /// that are not of the value's type: the binder leaves such an entry out without a word (it throws only for a plain
    /// member), so the default would silently stay. Each becomes "<c>Key: must be a whole number</c>", as a plain one does.
    /// </summary>
    private sealed class DictionaryValuesValidator<T>(string section, IConfiguration configuration) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var failures = new List<string>();
            Walk(configuration.GetSection(section), typeof(T), inDictionary: false, failures);
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }

        private static void Walk(IConfigurationSection node, Type type, bool inDictionary, List<string> failures)
        {
            var valueType = DictionaryValueType(type); // every child of a dictionary is one of its entries
            foreach (var child in node.GetChildren())
            {
                var next = valueType ?? type.GetProperty(child.Key, System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.IgnoreCase)?.PropertyType;
                if (next is null)
                {
                    continue; // not a setting of this section (left to the other checks)
                }

                next = Nullable.GetUnderlyingType(next) ?? next;
                var entry = inDictionary || valueType is not null;
                if (child.Value is null)
                {
                    Walk(child, next, entry, failures);
                }
                else if (entry && !Converts(child.Value, next))
                {
                    failures.Add($"{Key(child.Path)}: must be {Describe(next.FullName!)}");
                }
            }
        }

        private static Type? DictionaryValueType(Type type) =>
            type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>) && type.GetGenericArguments()[0] == typeof(string)
                ? type.GetGenericArguments()[1]
                : null;

        private static bool Converts(string text, Type type)
        {
            if (!type.IsPrimitive && type != typeof(decimal))
            {
                return true; // strings and objects: nothing to convert
            }

            try
            {
                System.ComponentModel.TypeDescriptor.GetConverter(type).ConvertFromInvariantString(text);
                return true;
            }
            catch (Exception e) when (e is FormatException or ArgumentException or OverflowException || e.InnerException is FormatException or OverflowException)
            {
                return false;
            }
        }
    }

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
