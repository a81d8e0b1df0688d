using System.Text.Json;
using SweetsStore.Data.Idempotency;

namespace SweetsStore.Api.Idempotency;

/// <summary>
/// A request's <c>Idempotency-Key</c>, set by <see cref="IdempotencyMiddleware"/>: the action asks it for the hook it
/// passes into its service's transaction (<c>HttpContext.IdempotencyHook</c>, <see cref="IdempotencyHttpContextExtensions"/>).
/// </summary>
public sealed class IdempotencyFeature(IdempotentRequest request, JsonSerializerOptions json)
{
    private IdempotencyHook? _hook;

    public IdempotentRequest Request { get; } = request;

    /// <summary>The answer the action's transaction stored, once it committed.</summary>
    public IdempotentAnswer? Stored => _hook?.Stored;

    /// <summary>A hook whose answer is <paramref name="status"/> with <paramref name="body"/> serialized as MVC would.</summary>
    public IdempotencyHook<T> Hook<T>(int status, Func<T, object> body, Func<T, string?>? location = null)
    {
        var hook = new IdempotencyHook<T>(Request, result => Render(status, body(result), location?.Invoke(result)));
        _hook = hook;
        return hook;
    }

    /// <summary>A hook whose answer is <paramref name="status"/> with the JSON <paramref name="render"/> writes.</summary>
    public IdempotencyHook<T> Hook<T>(int status, Func<T, byte[]> render)
    {
        var hook = new IdempotencyHook<T>(Request, result => new IdempotentAnswer(status, render(result), null));
        _hook = hook;
        return hook;
    }

    private IdempotentAnswer Render(int status, object body, string? location) =>
        new(status, JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), json), location);
}

public static class IdempotencyHttpContextExtensions
{
    /// <summary>
    /// The hook for this request's service call: its answer will be <paramref name="status"/> with
    /// <paramref name="body"/> (and <paramref name="location"/>). Null when the request has no <c>Idempotency-Key</c>.
    /// </summary>
    public static IdempotencyHook<T>? IdempotencyHook<T>(
        this HttpContext context, int status, Func<T, object> body, Func<T, string?>? location = null) =>
        context.Features.Get<IdempotencyFeature>()?.Hook(status, body, location);

    /// <summary>As above, with an answer the action renders to JSON bytes itself (<see cref="Contracts.CreatedIds"/>).</summary>
    public static IdempotencyHook<T>? IdempotencyHook<T>(this HttpContext context, int status, Func<T, byte[]> render) =>
        context.Features.Get<IdempotencyFeature>()?.Hook(status, render);
}
