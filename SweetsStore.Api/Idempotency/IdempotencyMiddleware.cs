using System.Runtime.ExceptionServices;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using SweetsStore.Api.Contracts;
using SweetsStore.Api.Errors;
using SweetsStore.Api.Infrastructure;
using SweetsStore.Data.Idempotency;

namespace SweetsStore.Api.Idempotency;

/// <summary>
/// <c>Idempotency-Key</c> on the POSTs marked <see cref="IdempotentAttribute"/> (contract 10.1, docs/decisions/0014).
/// Checks the key, hashes the body as the action reads it, and hands the action an <see cref="IdempotencyFeature"/>;
/// the action's service claims the key and stores the answer inside the transaction of its effect. What the claim
/// refuses comes back here, and the stored answer is looked for whichever refusal it was: none (a request with the key
/// is still running) → 409 with <c>Retry-After</c>; a stored answer → that answer again with
/// <c>Idempotent-Replayed: true</c> when method, path and body are the same, else 422. An error answer (400, 404)
/// changed nothing, so it is stored after the fact, in a transaction of its own.
/// </summary>
public sealed class IdempotencyMiddleware(
    RequestDelegate next, IdempotencyStore store, IOptions<IdempotencyOptions> options, IOptions<JsonOptions> json,
    ILogger<IdempotencyMiddleware> logger)
{
    public const string Header = "Idempotency-Key";

    public const int MaxKeyLength = 255;

    public async Task InvokeAsync(HttpContext context)
    {
        var marked = context.GetEndpoint()?.Metadata.GetMetadata<IdempotentAttribute>();
        var values = context.Request.Headers[Header];
        if (marked is null || !context.Request.Headers.ContainsKey(Header) || !HttpMethods.IsPost(context.Request.Method)
            || Refused(context))
        {
            await next(context);
            return;
        }

        if (values.Count != 1 || !IsValidKey(values[0]))
        {
            var message = values.Count > 1 ? "must be sent once" : $"must be 1 to {MaxKeyLength} visible ASCII characters";
            throw marked.List is null
                ? ContractValidationException.Field(Header, message)
                : ContractValidationException.OfImportBody(marked.List, FieldErrors.Of(Header, message));
        }

        var body = new HashingStream(context.Request.Body);
        context.Request.Body = body;
        var request = new IdempotentRequest(
            values[0]!, context.Request.Method, context.Request.Path + context.Request.QueryString, body.Fingerprint, options.Value.Retention);
        var feature = new IdempotencyFeature(request, json.Value.JsonSerializerOptions);
        context.Features.Set(feature);
        try
        {
            await next(context);
            if (feature.Stored is null && context.Response.StatusCode is >= 200 and < 300)
            {
                logger.LogError("{Method} {Target} answered {Status} under an Idempotency-Key without storing the answer",
                    request.Method, request.Target, context.Response.StatusCode);
            }
        }
        catch (Exception e) when (IdempotencyStore.IsRefusal(e) && !context.Response.HasStarted)
        {
            await RefusedAsync(context, request, body);
        }
        catch (Exception e) when (e is not OperationCanceledException && !context.Response.HasStarted)
        {
            await AnswerErrorAsync(context, e, request, body);
        }
    }

    /// <summary>
    /// An operator endpoint's caller that its <see cref="LocalOrApiKeyAttribute"/> will refuse: it gets that 401 whatever
    /// its key looks like (contract 10.5 judges the caller first), and a 401 is never stored (10.1).
    /// </summary>
    private static bool Refused(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<LocalOrApiKeyAttribute>() is not null && !OperatorAccess.IsAllowed(context);

    /// <summary>1–255 characters from <c>!</c> to <c>~</c> (no space, no control character, nothing beyond ASCII).</summary>
    public static bool IsValidKey(string? key) =>
        key is { Length: >= 1 and <= MaxKeyLength } && key.AsSpan().IndexOfAnyExceptInRange('!', '~') < 0;

    private async Task RefusedAsync(HttpContext context, IdempotentRequest request, HashingStream body)
    {
        context.Response.Clear();

        // Looked for on either refusal: a busy key may be answered already. A late copy of the request (timed out at
        // its client, still on its way through the server) holds the key's lock for the instant it takes to find the
        // answer and refuse itself; whoever asks in that instant is shown the answer, not a 409. A live answer found
        // here was committed before that holder's lock, so the holder is not making another.
        var stored = await store.FindAsync(request.Key, request.Retention, context.RequestAborted);
        if (stored is null)
        {
            // Running (or, rarely, its answer expired between the claim and this read: then too, try again).
            context.Response.Headers.RetryAfter = "1";
            await ErrorWriter.ProblemAsync(context, StatusCodes.Status409Conflict, "Conflict",
                $"a request with this {Header} is still running; retry when it has been answered");
            return;
        }

        if (stored.Method != request.Method || stored.Target != request.Target)
        {
            await ReusedAsync(context, $"{stored.Method} {stored.Target}");
            return;
        }

        await body.DrainAsync(context.RequestAborted);
        if (!stored.Fingerprint.AsSpan().SequenceEqual(body.Fingerprint()))
        {
            await ReusedAsync(context, "another body");
            return;
        }

        await StoredAnswer.WriteAsync(context, stored.Answer, replayed: true);
    }

    private static Task ReusedAsync(HttpContext context, string first) =>
        ErrorWriter.ProblemAsync(context, StatusCodes.Status422UnprocessableEntity, "Unprocessable Entity",
            $"this {Header} was first used with {first}; send a new key for a new request");

    /// <summary>
    /// The error answer, made by the application's exception handlers (the one place exceptions become HTTP) into a
    /// buffer; a 400 or 404 is stored under the key before it goes out, anything else goes out unstored.
    /// </summary>
    private async Task AnswerErrorAsync(HttpContext context, Exception exception, IdempotentRequest request, HashingStream body)
    {
        var response = context.Response;
        var original = context.Features.Get<IHttpResponseBodyFeature>()!;
        using var buffer = new MemoryStream();
        var handled = false;
        response.Clear();
        context.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(buffer));
        try
        {
            foreach (var handler in context.RequestServices.GetServices<IExceptionHandler>())
            {
                if (await handler.TryHandleAsync(context, exception, context.RequestAborted))
                {
                    handled = true;
                    break;
                }
            }

            await response.BodyWriter.FlushAsync(context.RequestAborted);
        }
        finally
        {
            context.Features.Set(original);
        }

        if (!handled)
        {
            ExceptionDispatchInfo.Throw(exception);
        }

        var answer = new IdempotentAnswer(response.StatusCode, buffer.ToArray(), response.Headers.Location.FirstOrDefault());
        if (answer.Status is StatusCodes.Status400BadRequest or StatusCodes.Status404NotFound)
        {
            try
            {
                await body.DrainAsync(context.RequestAborted);
                await store.SaveAsync(request, answer, context.RequestAborted);
            }
            catch (Exception e) when (IdempotencyStore.IsRefusal(e))
            {
                await RefusedAsync(context, request, body);
                return;
            }
            catch (BadHttpRequestException e)
            {
                // The rest of the body could not be read (too large, too slow): the answer goes out, not stored.
                logger.LogInformation("A {Status} under an Idempotency-Key was not stored: {Reason}", answer.Status, e.Message);
            }
        }

        response.ContentLength = answer.Body.Length;
        await response.Body.WriteAsync(answer.Body, context.RequestAborted);
    }
}
