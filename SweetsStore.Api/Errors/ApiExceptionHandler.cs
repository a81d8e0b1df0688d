using Microsoft.AspNetCore.Diagnostics;
using SweetsStore.Api.Contracts;
using SweetsStore.Domain;

namespace SweetsStore.Api.Errors;

/// <summary>
/// The one place exceptions become HTTP: bad input → 400 envelope, unknown resource → 404, oversized body → 413,
/// database unavailable (down, a standby, no primary among its hosts, not migrated: <see cref="Data.Database.IsUnavailable"/>)
/// → 503, anything else → 500 with a trace id (logged; never a stack trace or SQL in the body).
/// </summary>
public sealed class ApiExceptionHandler(ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        if (context.Response.HasStarted)
        {
            return false;
        }

        switch (exception)
        {
            case ContractValidationException e:
                await ErrorWriter.ValidationAsync(context, e);
                return true;
            case DomainException e:
                await ErrorWriter.ValidationAsync(context, ContractValidationException.Field(e.Field, e.Message));
                return true;
            case NotFoundException e:
                await ErrorWriter.ProblemAsync(context, StatusCodes.Status404NotFound, "Not Found", e.Message);
                return true;
            case BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } e:
                await ErrorWriter.ProblemAsync(context, e.StatusCode, "Payload Too Large", "the request body is larger than this endpoint accepts");
                return true;
            case BadHttpRequestException { StatusCode: StatusCodes.Status408RequestTimeout }:
                // Not a validation problem: the body stopped arriving (Kestrel's minimum data rate, or a short body).
                await ErrorWriter.ProblemAsync(context, StatusCodes.Status408RequestTimeout, "Request Timeout", "the request body did not arrive in time");
                return true;
            case BadHttpRequestException e:
                await ErrorWriter.ValidationAsync(context, new ContractValidationException(FieldErrors.Of("body", "could not be read"))
                {
                    StatusCode = e.StatusCode,
                });
                return true;
            case OperationCanceledException when context.RequestAborted.IsCancellationRequested:
                return true; // The client went away; nobody is listening for an answer.
        }

        if (exception is Data.ContentionException)
        {
            logger.LogWarning("{Message}", exception.Message);
            context.Response.Headers.RetryAfter = "1";
            await ErrorWriter.ProblemAsync(context, StatusCodes.Status503ServiceUnavailable, "Service Unavailable",
                "too many concurrent requests competed for the same orders; try again");
            return true;
        }

        if (IsDatabaseUnavailable(exception))
        {
            logger.LogWarning(exception, "Database unavailable: {Message}", exception.Message);
            context.Response.Headers.RetryAfter = "5";
            await ErrorWriter.ProblemAsync(context, StatusCodes.Status503ServiceUnavailable, "Service Unavailable",
                "the database is unavailable; try again shortly");
            return true;
        }

        logger.LogError(exception, "Unhandled error, trace id {TraceId}", ErrorWriter.TraceId(context));
        await ErrorWriter.ProblemAsync(context, StatusCodes.Status500InternalServerError, "Internal Server Error",
            "the server failed to handle this request; quote the trace id when you report it");
        return true;
    }

    internal static bool IsDatabaseUnavailable(Exception exception) => Data.Database.IsUnavailable(exception);
}
