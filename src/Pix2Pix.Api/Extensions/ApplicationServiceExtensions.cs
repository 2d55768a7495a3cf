using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Pix2Pix.Api.Imaging;
using Pix2Pix.Api.Inference;
using Pix2Pix.Api.Telemetry;

namespace Pix2Pix.Api.Extensions;

public static class ApplicationServiceExtensions
{
    /// <summary>Options, the model registry and its loader, the PNG codec, the translator and health checks.</summary>
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        var inference = builder.Configuration.GetSection(InferenceOptions.Section);
        var problems = (inference.Get<InferenceOptions>() ?? new InferenceOptions()).Problems().ToArray();
        if (problems.Length > 0) throw new Microsoft.Extensions.Options.OptionsValidationException(InferenceOptions.Section, typeof(InferenceOptions), problems);
        builder.Services.Configure<InferenceOptions>(inference);
        var uploads = builder.Configuration.GetSection(UploadOptions.Section);
        var uploadProblems = (uploads.Get<UploadOptions>() ?? new UploadOptions()).Problems().ToArray();
        if (uploadProblems.Length > 0) throw new Microsoft.Extensions.Options.OptionsValidationException(UploadOptions.Section, typeof(UploadOptions), uploadProblems);
        builder.Services.Configure<UploadOptions>(uploads);
        // On SIGTERM the server stops taking connections and waits this long for admitted requests to finish.
        var grace = builder.Configuration.GetValue("Shutdown:GracePeriodSeconds", 30);
        if (grace is < 0 or > TimeoutLimits.MaxSeconds)
        {
            throw new Microsoft.Extensions.Options.OptionsValidationException("Shutdown", typeof(HostOptions), [$"Shutdown:GracePeriodSeconds must be 0 to {TimeoutLimits.MaxSecondsText}"]);
        }

        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(grace));

        builder.Services.AddSingleton<Pix2PixTelemetry>();
        builder.Services.AddSingleton<ModelRegistry>();
        builder.Services.AddHostedService<ModelsFolderWatcher>();
        builder.Services.AddSingleton<PngCodec>();
        builder.Services.AddSingleton<PixelBudget>();
        builder.Services.AddSingleton<UploadBuffers>();
        builder.Services.AddSingleton<ImageTranslator>();
        builder.Services.AddSingleton<RequestPathWarmUp>();
        builder.Services.AddSingleton<HttpPathWarmUp>();
        builder.Services.AddHostedService(services => services.GetRequiredService<HttpPathWarmUp>());
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<Apis.ProblemExceptionHandler>();
        builder.Services.AddHealthChecks().AddCheck<ModelsReadyHealthCheck>("models", tags: ["ready"]);
        return builder;
    }

    /// <summary>The sketch pad: wwwroot's static page at /, with its examples.</summary>
    public static WebApplication UseSketchPad(this WebApplication app)
    {
        app.UseDefaultFiles();
        app.UseStaticFiles();
        return app;
    }

    /// <summary>Recognises the HTTP warm-up's own requests (<see cref="HttpPathWarmUp"/>), before access control counts them.</summary>
    public static WebApplication UseHttpPathWarmUp(this WebApplication app)
    {
        var warmUp = app.Services.GetRequiredService<HttpPathWarmUp>();
        app.Use((context, next) =>
        {
            warmUp.Recognise(context);
            return next(context);
        });
        return app;
    }

    /// <summary>/health/live answers while the process runs; /health/ready once the models are loaded and warm.</summary>
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains("ready"),
            ResponseWriter = app.ServiceProvider.GetRequiredService<Access.AuthOptions>().Enabled ? HealthReportWriter.WriteStatusAsync : HealthReportWriter.WriteAsync,
        });
        return app;
    }
}
