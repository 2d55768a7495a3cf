using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Pix2Pix.Api.Inference;

/// <summary>Ready when the models are loaded and warmed up, the default one serves and the HTTP path is warm; otherwise says why.</summary>
public sealed class ModelsReadyHealthCheck(ModelRegistry registry, HttpPathWarmUp warmUp) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var reason = registry.NotReadyReason() ?? (warmUp.Finished ? null : "the HTTP path is warming up");
        var data = registry.All.ToDictionary(m => m.Name, m => (object)(m.State == ModelState.Failed ? $"failed: {m.PublicError}" : $"{m.State.ToString().ToLowerInvariant()} on {m.Provider ?? "-"}{(m.Device is null ? "" : $" ({m.Device})")}"));
        return Task.FromResult(reason is null ? HealthCheckResult.Healthy("models ready", data) : HealthCheckResult.Unhealthy(reason, data: data));
    }
}
