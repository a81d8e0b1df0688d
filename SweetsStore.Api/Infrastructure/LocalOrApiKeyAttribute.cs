using Microsoft.AspNetCore.Mvc.Filters;

namespace SweetsStore.Api.Infrastructure;

/// <summary>
/// Lets a request through only when <see cref="OperatorAccess.IsAllowed"/> says so; others get 401.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class LocalOrApiKeyAttribute : Attribute, IAsyncAuthorizationFilter
{
    public async Task OnAuthorizationAsync(AuthorizationFilterContext context)
    {
        if (OperatorAccess.IsAllowed(context.HttpContext))
        {
            return;
        }

        await OperatorAccess.RefuseAsync(context.HttpContext);
        context.Result = new Microsoft.AspNetCore.Mvc.EmptyResult();
    }
}
