using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Pix2Pix.Api.Extensions;

/// <summary>Writes the readiness report as JSON, so a 503 from /health/ready says which model is not ready and why. With
/// API keys on, the endpoint stays open for probes but says the status alone: which models there are, where they run and
/// why one failed is for clients with a key (GET /models).</summary>
internal static class HealthReportWriter
{
    // Readable reasons ("model 'x' ..." rather than \u0027); the report is JSON, never embedded in HTML.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Task WriteAsync(HttpContext context, HealthReport report) => WriteAsync(context, report, detailed: true);

    public static Task WriteStatusAsync(HttpContext context, HealthReport report) => WriteAsync(context, report, detailed: false);

    private static Task WriteAsync(HttpContext context, HealthReport report, bool detailed)
    {
        context.Response.ContentType = "application/json";
        object body = detailed
            ? new
            {
                status = report.Status.ToString(),
                checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description, data = e.Value.Data }),
            }
            : new { status = report.Status.ToString() };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, Json));
    }
}
