using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace SweetsStore.Api.Infrastructure.OpenApi;

/// <summary>
/// Path and query parameters are read by hand from strings (so a bad one gets the contract's 400); the document
/// shows what they must hold: <c>courier_id</c> an integer ≥ 1, <c>limit</c> 1 to 1000, <c>status</c> one of three.
/// </summary>
public sealed class ContractParameterFilter(ContractFields fields) : IParameterFilter
{
    public void Apply(IOpenApiParameter parameter, ParameterFilterContext context)
    {
        if (parameter is OpenApiParameter concrete && concrete.Name is { } name && fields.Parameter(name) is { } field)
        {
            concrete.Schema = field.Schema;
            concrete.Description ??= field.Description;
            concrete.Example ??= field.Example;
        }
    }
}
