using Pix2Pix.Api.Access;
using Pix2Pix.Api.Apis;
using Pix2Pix.Api.Extensions;

if (HealthProbe.IsRequested(args)) return await HealthProbe.RunAsync(args);
StartupFailure.ExitWithOneLineOnUnhandled();

var builder = WebApplication.CreateBuilder(args);

builder.AddApplicationServices();
builder.AddAccessControl();
builder.AddServerLimits();
builder.AddObservability();
builder.AddApiDocumentation();

var app = builder.Build();

app.UseSecurityHeaders();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseApiDocumentation();
app.UseSketchPad();
app.UsePortBoundEndpoints();
app.UseHttpPathWarmUp();
app.UseAccessControl();
app.UseRequestTimeouts();

app.MapTranslateApi();
app.MapModelsApi();
app.MapHealthEndpoints();
app.MapMetricsEndpoint();

await app.RunAsync();
return 0;

/// <summary>The entry point, visible to the functional tests' WebApplicationFactory.</summary>
public partial class Program;
