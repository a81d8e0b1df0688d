using System.Net;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Http;

/// <summary>The dashboard's files are served (the browser test in Browser/ checks what the page shows).</summary>
public class DashboardPageTests(ApiFactory api) : ApiTest(api)
{
    [Theory]
    [InlineData("/dashboard")]
    [InlineData("/dashboard/")]
    public async Task ThePageAnswersWithAndWithoutTheTrailingSlash(string path)
    {
        using var response = await Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal("default-src 'self'; frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<title>SweetsStore · operator dashboard</title>", html);
        Assert.Contains("<noscript>", html);
        Assert.Contains("src=\"/dashboard/dashboard.js\"", html);
    }

    [Theory]
    [InlineData("/dashboard/dashboard.js", "text/javascript")]
    [InlineData("/dashboard/dashboard.css", "text/css")]
    public async Task ItsScriptAndStylesheetAreServed(string path, string mediaType)
    {
        using var response = await Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.NotEmpty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task AnUnknownDashboardFileIsNotFound()
    {
        using var response = await Client.GetAsync("/dashboard/nope.js");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
