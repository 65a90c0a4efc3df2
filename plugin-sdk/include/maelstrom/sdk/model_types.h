// model_types.h — maelstrom SDK: the one list of the model's wire types (model.h), from which the JSON codec
// declares and defines its functions for each of them.
// SPDX-License-Identifier: Apache-2.0
//
// MAELSTROM_SDK_MODEL_TYPES(X) expands X(Type, rootName) once per type; rootName names a top-level value of the
// type in decode error messages ("component.docker.httpPort"). Adding a wire type takes three edits: its struct
// in model.h, a line here, and its field list (describe()) in the codec.
#pragma once

#include <maelstrom/sdk/model.h>

// clang-format off
#define MAELSTROM_SDK_MODEL_TYPES(X)                            \
    X(NameValue, "nameValue")                                   \
    X(VolumeMount, "volume")                                    \
    X(DockerComponent, "docker")                                \
    X(Component, "component")                                   \
    X(HttpEventSource, "http")                                  \
    X(CronHttpRequest, "http")                                  \
    X(CronEventSource, "cron")                                  \
    X(SqsEventSource, "sqs")                                    \
    X(AwsStepFunctionEventSource, "awsstepfunc")                \
    X(EventSource, "eventSource")                               \
    X(EventSourceWithStatus, "eventSourceWithStatus")           \
    X(ComponentWithEventSources, "componentWithEventSources")   \
    X(Project, "project")                                       \
    X(ProjectInfo, "projectInfo")                               \
    X(ComponentActivity, "componentActivity")                   \
    X(ComponentInfo, "componentInfo")                           \
    X(NodeStatus, "nodeStatus")
// clang-format on
