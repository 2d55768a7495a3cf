using System.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Pix2Pix.Api.Apis;

/// <summary>RFC 7807 answers, each with the request's trace id so a person can quote it.</summary>
internal static class Problems
{
    public static ProblemHttpResult Create(HttpContext context, int status, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title, extensions: new Dictionary<string, object?>
        {
            ["traceId"] = Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier,
        });
}
