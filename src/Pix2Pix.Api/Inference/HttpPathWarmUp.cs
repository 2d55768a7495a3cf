using System.Diagnostics;
using System.Net.Http.Headers;
using System.Runtime;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Pix2Pix.Api.Access;

namespace Pix2Pix.Api.Inference;

/// <summary>
/// The last step before the service says it is ready: once the server listens and the default model serves, translations
/// of the warm-up sketch go to the service's own address over loopback, one at a time, until the JIT has gone quiet. They
/// tier up Kestrel's, routing's, access control's and the endpoint's methods, which the in-process warm-up
/// (<see cref="RequestPathWarmUp"/>) does not reach and which .NET otherwise tiered up on a core taken from the first users'
/// requests. At most Inference:HttpWarmUpSeconds (0: off). The requests carry a token made for this process: the rate
/// limit, the traces and the duration metrics (http.server.request.duration, the service's translate, queue, batch and
/// inference metrics) leave them out; the gauges of requests in flight and the routing and Kestrel counters see them, before ready.
/// Whatever goes wrong is logged and the service becomes ready unwarmed.
/// </summary>
public sealed class HttpPathWarmUp(IServer server, IHostApplicationLifetime lifetime, ModelRegistry registry, IOptions<InferenceOptions> options, AuthOptions auth, ILogger<HttpPathWarmUp> logger)
    : BackgroundService
{
    public const string Header = "X-Pix2Pix-Warm-Up";

    /// <summary>Requests per batch; the JIT is read after each.</summary>
    private const int Batch = 25;

    /// <summary>JIT time, as a share of a batch's wall time, under which the JIT counts as quiet (two batches in a row).</summary>
    private const double QuietJit = 0.01;

    private static readonly object Marker = new();
    private readonly byte[] token = Encoding.ASCII.GetBytes(Convert.ToHexString(RandomNumberGenerator.GetBytes(32)));
    private readonly TaskCompletionSource finished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Done, or given up: readiness may say yes.</summary>
    public bool Finished => finished.Task.IsCompleted;

    /// <summary>Whether <paramref name="context"/> is one of the warm-up's own requests (<see cref="Recognise"/> marked it).</summary>
    public static bool IsWarmUp(HttpContext context) => context.Items.ContainsKey(Marker);

    /// <summary>Whether <paramref name="context"/> carries this process's token (compared in constant time).</summary>
    public bool Carries(HttpContext context) =>
        context.Request.Headers.TryGetValue(Header, out var given) && given.Count == 1 && given[0] is { } value
        && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(value), token);

    /// <summary>Marks a request that carries this process's token (<see cref="IsWarmUp"/>) and keeps it out of the HTTP metrics.</summary>
    public void Recognise(HttpContext context)
    {
        if (!Carries(context)) return;
        context.Items[Marker] = true;
        if (context.Features.Get<IHttpMetricsTagsFeature>() is { } metrics) metrics.MetricsDisabled = true;
    }

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        // The host stops the server (and drains it) before it cancels this service's token: a stop during the warm-up
        // ends it at once, not with requests the draining server refuses.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(stopping, lifetime.ApplicationStopping);
        try
        {
            var seconds = options.Value.HttpWarmUpSeconds;
            if (seconds <= 0) return;
            await WhenStarted(stop.Token);
            if (Address() is not { } address)
            {
                logger.LogInformation("The HTTP path was not warmed up: the server listens on no http:// address ({Addresses})", string.Join(", ", Addresses()));
                return;
            }

            while (registry.NotReadyReason() is not null) await Task.Delay(50, stop.Token);
            await WarmUpAsync(address, TimeSpan.FromSeconds(seconds), stop.Token);
        }
        catch (Exception e) when (!stop.IsCancellationRequested)
        {
            logger.LogWarning("The HTTP path was not warmed up ({Reason}); the first requests will be slower", e.Message);
        }
        catch (Exception) when (stop.IsCancellationRequested)
        {
            // Stopping: whatever the stop interrupted.
        }
        finally
        {
            finished.TrySetResult();
        }
    }

    private async Task WarmUpAsync(Uri address, TimeSpan budget, CancellationToken stopping)
    {
        var size = registry.DefaultName is { } name && registry.Find(name)?.Card is { } card ? card.NativeSize : 128;
        var png = RequestPathWarmUp.Sketch(2 * size);
        // Straight to the service: no proxy from HTTP_PROXY and the like, and no redirect that would take the headers elsewhere.
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { BaseAddress = address, Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.Add(Header, Encoding.ASCII.GetString(token));
        if (auth.Enabled) client.DefaultRequestHeaders.Add(ApiKeyAuthentication.Header, auth.Keys[0]);
        // The budget bounds the time to ready: a request still running when it ends is given up.
        using var within = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        within.CancelAfter(budget);
        var started = Stopwatch.GetTimestamp();
        var (sent, quiet, jit) = (0, 0, JitInfo.GetCompilationTime());
        try
        {
            while (quiet < 2)
            {
                var (batch, count) = (Stopwatch.GetTimestamp(), 0);
                for (; count < Batch; count++, sent++)
                {
                    using var content = new ByteArrayContent(png);
                    content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
                    using var response = await client.PostAsync("translate", content, within.Token);
                    if (!response.IsSuccessStatusCode) throw new HttpRequestException($"POST {address}translate answered {(int)response.StatusCode}: {await DetailAsync(response, within.Token)}");
                }

                var (now, took) = (JitInfo.GetCompilationTime(), Stopwatch.GetElapsedTime(batch));
                quiet = (now - jit).TotalSeconds < QuietJit * took.TotalSeconds ? quiet + 1 : 0;
                logger.LogDebug("HTTP warm-up: {Requests} requests in {Milliseconds:F0} ms, {Jit:F1} ms of JIT", count, took.TotalMilliseconds, (now - jit).TotalMilliseconds);
                jit = now;
            }
        }
        catch (OperationCanceledException) when (within.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            // The budget ran out.
        }

        logger.LogInformation("The HTTP path warmed up with {Requests} requests to {Address} in {Milliseconds:F0} ms{Unfinished}", sent, address,
            Stopwatch.GetElapsedTime(started).TotalMilliseconds, quiet < 2 ? $" (Inference:HttpWarmUpSeconds, {budget.TotalSeconds:0.#} s, ran out before the JIT went quiet)" : "");
    }

    // What a refusal says: its problem details' detail (a limit below the warm-up sketch's size, say), else its reason phrase.
    private static async Task<string> DetailAsync(HttpResponseMessage response, CancellationToken cancellation)
    {
        try
        {
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellation));
            if (problem.RootElement.TryGetProperty("detail", out var detail) && detail.GetString() is { Length: > 0 } text) return text;
        }
        catch (JsonException)
        {
            // Not problem details.
        }

        return response.ReasonPhrase ?? "no reason given";
    }

    private Task WhenStarted(CancellationToken stopping)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        return started.Task.WaitAsync(stopping);
    }

    private ICollection<string> Addresses() => server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];

    // The first http:// address the server listens on, its wildcard host ("0.0.0.0", "[::]", "+", "*") as 127.0.0.1.
    private Uri? Address()
    {
        foreach (var listening in Addresses())
        {
            BindingAddress binding;
            try
            {
                binding = BindingAddress.Parse(listening);
            }
            catch (FormatException)
            {
                continue;
            }

            if (binding.Scheme != "http" || binding.IsUnixPipe || binding.IsNamedPipe || binding.Port <= 0) continue;
            // IPv4 loopback for every wildcard: Kestrel's "[::]" socket takes IPv4 too, where a container may have no IPv6 loopback.
            var host = binding.Host is "0.0.0.0" or "+" or "*" or "[::]" or "::" ? "127.0.0.1" : binding.Host;
            return new Uri($"http://{host}:{binding.Port}/");
        }

        return null;
    }
}
