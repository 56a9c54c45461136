package main

import (
	"encoding/base64"
	"fmt"

	"github.com/aws/aws-sdk-go/service/dynamodb"
)

// Sample has a field of every kind a Go service typically stores. Field names come from `dynamodbav` tags, from
// `json` tags (which dynamodbattribute honours too) or from the Go name, as in real code. JSON (the driver's
// input and output) uses the same names.
type Sample struct {
	Message string            `json:"Message"`
	Count   int               `json:"count" dynamodbav:"count"`
	Big     int64             `json:"big" dynamodbav:"big"`
	Ratio   float64           `json:"ratio" dynamodbav:"ratio"`
	Enabled bool              `json:"enabled" dynamodbav:"enabled"`
	Inner   Inner             `json:"inner" dynamodbav:"inner"`
	Tags    []string          `json:"tags" dynamodbav:"tags"`
	Scores  []int             `json:"scores" dynamodbav:"scores"`
	Items   []Inner           `json:"items" dynamodbav:"items"`
	Labels  map[string]string `json:"labels" dynamodbav:"labels"`
	Counts  map[string]int    `json:"counts" dynamodbav:"counts"`
	Data    []byte            `json:"data" dynamodbav:"data"`
	Note    *string           `json:"note" dynamodbav:"note"`
	Omitted string            `json:"omitted,omitempty" dynamodbav:"omitted,omitempty"`
}

// Inner is a nested struct.
type Inner struct {
	Label  string  `json:"label" dynamodbav:"label"`
	Weight float64 `json:"weight" dynamodbav:"weight"`
}

// Job is the README's example record.
type Job struct {
	Status   string `json:"status" dynamodbav:"status"`
	Attempts int    `json:"attempts" dynamodbav:"attempts"`
}

func newSample(name string) (interface{}, error) {
	switch name {
	case "Sample":
		return &Sample{}, nil
	case "Job":
		return &Job{}, nil
	}
	return nil, fmt.Errorf("unknown struct type %q", name)
}

// renderAttribute is an attribute value as DynamoDB JSON ({"S": "..."}, {"M": {...}}), bytes in base64.
func renderAttribute(av *dynamodb.AttributeValue) interface{} {
	switch {
	case av.NULL != nil:
		return result{"NULL": *av.NULL}
	case av.S != nil:
		return result{"S": *av.S}
	case av.N != nil:
		return result{"N": *av.N}
	case av.BOOL != nil:
		return result{"BOOL": *av.BOOL}
	case av.B != nil:
		return result{"B": base64.StdEncoding.EncodeToString(av.B)}
	case av.M != nil:
		m := result{}
		for name, element := range av.M {
			m[name] = renderAttribute(element)
		}
		return result{"M": m}
	case av.L != nil:
		l := make([]interface{}, 0, len(av.L))
		for _, element := range av.L {
			l = append(l, renderAttribute(element))
		}
		return result{"L": l}
	case av.SS != nil:
		return result{"SS": av.SS}
	case av.NS != nil:
		return result{"NS": av.NS}
	case av.BS != nil:
		return result{"BS": av.BS}
	}
	return result{}
}
