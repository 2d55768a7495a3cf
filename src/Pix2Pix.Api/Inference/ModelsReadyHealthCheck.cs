using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Pix2Pix.Api.Inference;

/// <summary>Ready when the models are loaded and warmed up and the default one serves; otherwise says why.</summary>
public sealed class ModelsReadyHealthCheck(ModelRegistry registry) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var reason = registry.NotReadyReason();
        var data = registry.All.ToDictionary(m => m.Name, m => (object)(m.State == ModelState.Failed ? $"failed: {m.PublicError}" : $"{m.State.ToString().ToLowerInvariant()} on {m.Provider ?? "-"}{(m.Device is null ? "" : $" ({m.Device})")}"));
        return Task.FromResult(reason is null ? HealthCheckResult.Healthy("models ready", data) : HealthCheckResult.Unhealthy(reason, data: data));
    }
}
