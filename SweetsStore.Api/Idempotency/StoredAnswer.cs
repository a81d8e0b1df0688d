using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using SweetsStore.Api.Errors;
using SweetsStore.Data.Idempotency;

namespace SweetsStore.Api.Idempotency;

/// <summary>Writes an answer stored under a key, byte for byte: the first answer and every replay are the same bytes.</summary>
public static class StoredAnswer
{
    public const string ReplayedHeader = "Idempotent-Replayed";

    public static async Task WriteAsync(HttpContext context, IdempotentAnswer answer, bool replayed)
    {
        var response = context.Response;
        response.StatusCode = answer.Status;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = answer.Body.Length;
        response.Headers[ErrorWriter.TraceIdHeader] = ErrorWriter.TraceId(context);
        if (answer.Location is not null)
        {
            response.Headers.Location = answer.Location;
        }

        if (replayed)
        {
            response.Headers[ReplayedHeader] = "true";
        }

        await response.Body.WriteAsync(answer.Body, context.RequestAborted);
    }
}

/// <summary>
/// When the action's transaction stored its answer, that stored answer is what goes out (not a second serialization
/// of the action's result), so a replay can never differ from the first answer by a byte.
/// </summary>
public sealed class StoredAnswerFilter : IAsyncAlwaysRunResultFilter
{
    public Task OnResultExecutionAsync(ResultExecutingContext context, ResultExecutionDelegate next)
    {
        if (context.HttpContext.Features.Get<IdempotencyFeature>()?.Stored is { } answer)
        {
            context.Result = new StoredAnswerResult(answer);
        }

        return next();
    }

    private sealed class StoredAnswerResult(IdempotentAnswer answer) : IActionResult
    {
        public Task ExecuteResultAsync(ActionContext context) => StoredAnswer.WriteAsync(context.HttpContext, answer, replayed: false);
    }
}
