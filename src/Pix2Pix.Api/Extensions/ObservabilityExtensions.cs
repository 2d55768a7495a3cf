using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Pix2Pix.Api.Telemetry;

namespace Pix2Pix.Api.Extensions;

public static class ObservabilityExtensions
{
    /// <summary>
    /// Traces, metrics (ASP.NET Core, runtime, the service's own) and log lines; exported by OTLP only when
    /// OTEL_EXPORTER_OTLP_ENDPOINT is set, and metrics scraped in Prometheus' text format at /metrics unless
    /// Metrics:PrometheusEnabled is false. A log line carries the trace and span it was written in, so a dashboard shows
    /// it beside the request's spans.
    /// </summary>
    public static IHostApplicationBuilder AddObservability(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(MetricsOptions.Section).Get<MetricsOptions>() ?? new MetricsOptions();
        if (options.Problems().ToArray() is { Length: > 0 } problems) throw new Microsoft.Extensions.Options.OptionsValidationException(MetricsOptions.Section, typeof(MetricsOptions), problems);
        builder.Services.AddSingleton(options);
        var otel = builder.Services.AddOpenTelemetry()
            .WithLogging(configureBuilder: _ => { }, configureOptions: logging =>
            {
                logging.IncludeFormattedMessage = true;
                logging.IncludeScopes = true;
            })
            .WithTracing(tracing => tracing.AddAspNetCoreInstrumentation().AddSource(Pix2PixTelemetry.Name))
            .WithMetrics(metrics =>
            {
                metrics.AddAspNetCoreInstrumentation().AddRuntimeInstrumentation().AddMeter(Pix2PixTelemetry.Name);
                if (options.PrometheusEnabled) metrics.AddPrometheusExporter();
            });
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])) otel.UseOtlpExporter();
        // The service's own warm-up requests make no traces.
        builder.Services.AddOptions<OpenTelemetry.Instrumentation.AspNetCore.AspNetCoreTraceInstrumentationOptions>()
            .Configure<Inference.HttpPathWarmUp>((tracing, warmUp) =>
            {
                var others = tracing.Filter;
                tracing.Filter = context => !warmUp.Carries(context) && (others?.Invoke(context) ?? true);
            });
        return builder;
    }

    /// <summary>
    /// GET /metrics (or Metrics:PrometheusPath); with Metrics:PrometheusPort set, only on connections to that port (the port
    /// the connection came in on, not the Host header a client writes); not in Swagger.
    /// </summary>
    public static IEndpointRouteBuilder MapMetricsEndpoint(this IEndpointRouteBuilder app)
    {
        var options = app.ServiceProvider.GetRequiredService<MetricsOptions>();
        if (!options.PrometheusEnabled) return app;
        var endpoint = app.MapPrometheusScrapingEndpoint(options.PrometheusPath).ExcludeFromDescription();
        if (options.PrometheusPort > 0) endpoint.WithMetadata(new OnlyOnPort(options.PrometheusPort));
        if (app.ServiceProvider.GetRequiredService<Access.AuthOptions>().ProtectMetrics) endpoint.RequireAuthorization(Access.AccessExtensions.ClientPolicy);
        return app;
    }

    /// <summary>
    /// An endpoint that answers on connections to one port only (<see cref="MapMetricsEndpoint"/> with Metrics:PrometheusPort):
    /// elsewhere its path does not exist (404, as problem details). Placed before access control, so that the path is not
    /// found there even when it needs a key, rather than asking for one.
    /// </summary>
    public static WebApplication UsePortBoundEndpoints(this WebApplication app)
    {
        // A scrape port the server does not listen on would leave the metrics answered nowhere, without a word.
        var metrics = app.Services.GetRequiredService<MetricsOptions>();
        if (metrics.PrometheusEnabled && metrics.PrometheusPort > 0)
        {
            app.Lifetime.ApplicationStarted.Register(() =>
            {
                var ports = app.Urls.Select(url => Microsoft.AspNetCore.Http.BindingAddress.Parse(url).Port).ToArray();
                if (ports.Length > 0 && !ports.Contains(metrics.PrometheusPort))
                {
                    app.Logger.LogError("Metrics:PrometheusPort {Port} is not a port the service listens on ({Addresses}), so nothing answers {Path}; listen on it as well (e.g. ASPNETCORE_HTTP_PORTS=8080;{Port})",
                        metrics.PrometheusPort, string.Join(", ", app.Urls), metrics.PrometheusPath, metrics.PrometheusPort);
                }
            });
        }

        app.Use((context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<OnlyOnPort>() is not { } bound || context.Connection.LocalPort == bound.Port) return next(context);
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        return app;
    }

    private sealed record OnlyOnPort(int Port);
}
