using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Pix2Pix.Api.Imaging;

namespace Pix2Pix.Api.Tests;

/// <summary>The process-wide pixel budget: concurrent large images wait their turn or get 503, never multiply memory.</summary>
public class PixelBudgetTests
{
    [Fact]
    public async Task An_image_larger_than_the_whole_budget_is_a_422_before_it_is_decoded()
    {
        await using var factory = Budget(megapixels: "0.01", waitMilliseconds: "100");
        var client = await factory.ReadyClientAsync();

        await TranslateTests.AssertProblem(await client.PostAsync("/translate", TranslateTests.Raw(Pngs.Rgb(200, 100))), HttpStatusCode.UnprocessableEntity, "20,000 pixels, more than the service handles at once (10,000)");
    }

    [Fact]
    public async Task A_request_waits_while_others_hold_the_pixels_and_is_served_once_they_are_returned()
    {
        await using var factory = Budget(megapixels: "0.01", waitMilliseconds: "30000");
        var client = await factory.ReadyClientAsync();
        var budget = factory.Services.GetRequiredService<PixelBudget>();
        var held = await budget.DrawAsync(9_000, CancellationToken.None);   // another request's large image

        var waiting = client.PostAsync("/translate", TranslateTests.Raw(Pngs.Rgb(64, 64)));
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted, "the request went ahead with the budget spent");
        held.Dispose();

        Assert.Equal(HttpStatusCode.OK, (await waiting).StatusCode);
        Assert.Equal(budget.Capacity, budget.Available);
    }

    [Fact]
    public async Task A_request_that_waits_too_long_for_pixels_gets_503_with_Retry_After_and_leaves_the_budget_whole()
    {
        await using var factory = Budget(megapixels: "0.01", waitMilliseconds: "200");
        var client = await factory.ReadyClientAsync();
        var budget = factory.Services.GetRequiredService<PixelBudget>();

        using (await budget.DrawAsync(9_000, CancellationToken.None))
        {
            var refused = await client.PostAsync("/translate", TranslateTests.Raw(Pngs.Rgb(64, 64)));
            await TranslateTests.AssertProblem(refused, HttpStatusCode.ServiceUnavailable, "pixel budget");
            Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        }

        Assert.Equal(budget.Capacity, budget.Available);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/translate", TranslateTests.Raw(Pngs.Rgb(64, 64)))).StatusCode);
    }

    private static ServiceFactory Budget(string megapixels, string waitMilliseconds) => new(settings: new Dictionary<string, string?>
    {
        ["Uploads:PixelBudgetMegapixels"] = megapixels,
        ["Uploads:PixelBudgetWaitMilliseconds"] = waitMilliseconds,
    });
}
