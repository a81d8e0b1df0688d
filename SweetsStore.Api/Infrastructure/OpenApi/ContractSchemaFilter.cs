using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace SweetsStore.Api.Infrastructure.OpenApi;

/// <summary>
/// Makes each object schema of our own types say what the serializer does: a property is required unless it is
/// omitted when null (then it is optional and never null), and nullable only when null is written as such (a nullable
/// property of one of our types as a nullable <c>allOf</c> of its <c>$ref</c>). The
/// contract's constraints on each field come from <see cref="ContractFields"/>.
/// </summary>
public sealed class ContractSchemaFilter(ContractFields fields, IOptions<Microsoft.AspNetCore.Mvc.JsonOptions> json) : ISchemaFilter
{
    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (context.MemberInfo is not null || context.ParameterInfo is not null
            || schema is not OpenApiSchema { Properties.Count: > 0 } objectSchema
            || context.Type.Assembly != typeof(ContractSchemaFilter).Assembly)
        {
            return;
        }

        var naming = json.Value.JsonSerializerOptions.PropertyNamingPolicy ?? JsonNamingPolicy.SnakeCaseLower;
        var nullability = new NullabilityInfoContext();
        objectSchema.Required ??= new SortedSet<string>();
        foreach (var property in context.Type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var name = property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? naming.ConvertName(property.Name);
            if (!objectSchema.Properties.TryGetValue(name, out var propertySchema))
            {
                continue;
            }

            var optional = property.GetCustomAttribute<JsonIgnoreAttribute>() is { Condition: JsonIgnoreCondition.WhenWritingNull };
            if (optional)
            {
                objectSchema.Required.Remove(name);
            }
            else
            {
                objectSchema.Required.Add(name);
            }

            var nullable = !optional && nullability.Create(property).ReadState == NullabilityState.Nullable;
            if (propertySchema is OpenApiSchema concrete)
            {
                fields.TryApply(context.Type, name, concrete);
                SetNullable(concrete, nullable);
            }
            else if (nullable && propertySchema is OpenApiSchemaReference reference)
            {
                // One of our types, written as null when absent (the preview's open_bundle): OpenAPI 3.0 cannot make a
                // $ref nullable, so the reference is wrapped in an allOf that is.
                objectSchema.Properties[name] = new OpenApiSchema { Type = JsonSchemaType.Object | JsonSchemaType.Null, AllOf = [reference] };
            }
        }
    }

    private static void SetNullable(OpenApiSchema schema, bool nullable)
    {
        if (schema.Type is not { } type)
        {
            return;
        }

        schema.Type = nullable ? type | JsonSchemaType.Null : type & ~JsonSchemaType.Null;
    }
}
