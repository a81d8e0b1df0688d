using System.Text.Json.Serialization;

namespace SweetsStore.Api.Infrastructure.OpenApi;

/// <summary>Error bodies as the OpenAPI document shows them; <see cref="Errors.ErrorWriter"/> writes them.</summary>
public static class ErrorSchemas
{
    /// <summary>
    /// 400: the request is invalid and nothing was changed. <c>validation_error</c> is the only top-level field.
    /// </summary>
    public sealed record ValidationErrorResponse(ValidationErrorDetail ValidationError);

    /// <summary>Every problem found, by field path.</summary>
    public sealed record ValidationErrorDetail(IReadOnlyDictionary<string, IReadOnlyList<string>> Errors);

    /// <summary>
    /// 400 of <c>POST /couriers</c>: nothing was stored. <c>validation_error</c> is the only top-level field.
    /// </summary>
    public sealed record CourierImportErrorResponse(CourierImportErrorDetail ValidationError);

    /// <summary>
    /// Every invalid courier (<c>couriers</c>, in request order) and the problems of the body as a whole
    /// (<c>errors</c>: not JSON, not an object, no <c>data</c> list; then <c>couriers</c> is empty).
    /// </summary>
    public sealed record CourierImportErrorDetail(
        IReadOnlyList<ElementErrors> Couriers,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, IReadOnlyList<string>>? Errors);

    /// <summary>
    /// 400 of <c>POST /orders</c>: nothing was stored. <c>validation_error</c> is the only top-level field.
    /// </summary>
    public sealed record OrderImportErrorResponse(OrderImportErrorDetail ValidationError);

    /// <summary>
    /// Every invalid order (<c>orders</c>, in request order) and the problems of the body as a whole
    /// (<c>errors</c>: not JSON, not an object, no <c>data</c> list; then <c>orders</c> is empty).
    /// </summary>
    public sealed record OrderImportErrorDetail(
        IReadOnlyList<ElementErrors> Orders,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, IReadOnlyList<string>>? Errors);

    /// <summary>
    /// One invalid element of <c>data</c>: named by the <c>id</c> it was sent with, or, when it has no usable id, by
    /// its <c>index</c> in <c>data</c> (from 0). Exactly one of the two is present.
    /// </summary>
    public sealed record ElementErrors(
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Id,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Index,
        IReadOnlyDictionary<string, IReadOnlyList<string>> Errors);

    /// <summary>What <c>GET /health/live</c> and <c>GET /health/ready</c> answer.</summary>
    public sealed record HealthResponse(string Status, string Version, IReadOnlyDictionary<string, string> Checks);
}
