using Hangfire.Dashboard;
using SweetsStore.Api.Infrastructure;

namespace SweetsStore.Api.Jobs;

/// <summary>
/// Who may see and act in the Hangfire dashboard (<c>/hangfire</c>): the operator endpoints' one rule
/// (<see cref="OperatorAccess"/>, contract 10.4/10.5); a refused request gets the same 401 as the imports.
/// </summary>
internal sealed class DashboardAccess : IDashboardAsyncAuthorizationFilter
{
    public async Task<bool> AuthorizeAsync(DashboardContext context)
    {
        var http = context.GetHttpContext();
        if (OperatorAccess.IsAllowed(http))
        {
            return true;
        }

        await OperatorAccess.RefuseAsync(http);
        return false;
    }
}
