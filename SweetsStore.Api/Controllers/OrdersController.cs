using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using SweetsStore.Api.Contracts;
using SweetsStore.Api.Errors;
using SweetsStore.Api.Imports;
using SweetsStore.Api.Infrastructure;
using SweetsStore.Data;

namespace SweetsStore.Api.Controllers;

[ApiController]
[Route("orders")]
[Produces("application/json")]
public sealed class OrdersController(OrderService orders, DeliveryService deliveries, SyncImports imports) : ControllerBase
{
    /// <summary>Imports orders: all or nothing.</summary>
    [HttpPost]
    [BodyLimit("Orders")]
    [EnableRateLimiting("imports")]
    [RequestTimeout("imports")]
    [JsonBody(typeof(RequestSchemas.OrderImport))]
    [ProducesResponseType<OrdersCreated>(StatusCodes.Status201Created)]
    [ProducesResponseType(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status413PayloadTooLarge)]
    public async Task<IActionResult> Import(CancellationToken ct)
    {
        var ids = await imports.OrdersAsync(Request.Body, ct);
        return StatusCode(StatusCodes.Status201Created, new OrdersCreated(ids.Select(id => new IdItem(id)).ToArray()));
    }

    /// <summary>Hands the courier a bundle (or answers its open one again).</summary>
    [HttpPost("assign")]
    [EnableRateLimiting("assign")]
    [JsonBody(typeof(RequestSchemas.Assign))]
    [ProducesResponseType<AssignResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType(StatusCodes.Status400BadRequest)]
    public async Task<AssignResponse> Assign(CancellationToken ct)
    {
        using var body = await JsonBody.ReadAsync(Request, ct);
        var courierId = Requests.AssignCourierId(body);
        var outcome = await deliveries.AssignAsync(courierId, ct);
        return new AssignResponse(outcome.OrderIds.Select(id => new IdItem(id)).ToArray(), outcome.AssignTime);
    }

    /// <summary>Marks an order delivered.</summary>
    [HttpPost("complete")]
    [EnableRateLimiting("complete")]
    [JsonBody(typeof(RequestSchemas.Complete))]
    [ProducesResponseType<CompleteResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType(StatusCodes.Status400BadRequest)]
    public async Task<CompleteResponse> Complete(CancellationToken ct)
    {
        using var body = await JsonBody.ReadAsync(Request, ct);
        var (courierId, orderId, completeTime) = Requests.Complete(body);
        await deliveries.CompleteAsync(courierId, orderId, completeTime, ct);
        return new CompleteResponse(orderId);
    }

    /// <summary>An order with its status.</summary>
    [HttpGet("{order_id}")]
    [EnableRateLimiting("reads")]
    [ProducesResponseType<OrderResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status404NotFound)]
    public async Task<OrderResponse> Get([FromRoute(Name = "order_id")] string orderId, CancellationToken ct)
    {
        var id = Requests.PathId(orderId, "order_id");
        var order = await orders.GetAsync(id, ct) ?? throw new NotFoundException($"no order has id {id}");
        return OrderResponse.From(order);
    }

    /// <summary>Orders by id, a page at a time, optionally of one status (pending, assigned, completed).</summary>
    [HttpGet]
    [EnableRateLimiting("reads")]
    [ProducesResponseType<OrderPage>(StatusCodes.Status200OK)]
    [ProducesResponseType(StatusCodes.Status400BadRequest)]
    public async Task<OrderPage> List([FromQuery] string? status, [FromQuery] string? offset, [FromQuery] string? limit, CancellationToken ct)
    {
        var (skip, take) = Queries.Page(offset, limit);
        var filter = Queries.Status(status);
        var page = await orders.ListAsync(filter, skip, take + 1, ct);
        return new OrderPage(page.Take(take).Select(OrderResponse.From).ToArray(), skip, take, page.Count > take ? skip + take : null);
    }
}
