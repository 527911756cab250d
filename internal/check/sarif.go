package check

import (
	"encoding/json"
	"io"
	"sort"

	"github.com/shipshape/shipshape/internal/diag"
)

// SARIF 2.1.0, the subset GitHub code scanning reads: one run, the rules
// that fired, and each finding with its file and line.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri,omitempty"`
	Version        string      `json:"version,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID               string       `json:"id"`
	ShortDescription sarifMessage `json:"shortDescription"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifMessage    `json:"message"`
	Locations []sarifLocation `json:"locations"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

const sarifSchema = "https://json.schemastore.org/sarif-2.1.0.json"

// WriteSARIF writes every finding as SARIF 2.1.0, for code scanning to
// show in pull requests.
func (r Report) WriteSARIF(w io.Writer) error {
	var all diag.List
	for _, res := range r.Results {
		all = append(all, res.Findings...)
	}
	all = append(all, r.Other...)
	index := map[string]int{}
	var ids []string
	for _, d := range all {
		id := ruleID(d)
		if _, ok := index[id]; !ok {
			index[id] = 0
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	drv := sarifDriver{Name: "shipshape", InformationURI: "https://github.com/shipshape/shipshape", Rules: []sarifRule{}}
	for i, id := range ids {
		index[id] = i
		drv.Rules = append(drv.Rules, sarifRule{ID: id, ShortDescription: sarifMessage{Text: "shipshape check rule " + id}})
	}
	run := sarifRun{Tool: sarifTool{Driver: drv}, Results: []sarifResult{}}
	for _, d := range all {
		id := ruleID(d)
		msg := d.Message
		if d.Hint != "" {
			msg += " (" + d.Hint + ")"
		}
		loc := sarifPhysical{ArtifactLocation: sarifArtifact{URI: d.File}}
		if d.Line > 0 {
			loc.Region = &sarifRegion{StartLine: d.Line}
		}
		run.Results = append(run.Results, sarifResult{RuleID: id, RuleIndex: index[id], Level: sarifLevel(d.Severity),
			Message: sarifMessage{Text: msg}, Locations: []sarifLocation{{PhysicalLocation: loc}}})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: sarifSchema, Version: "2.1.0", Runs: []sarifRun{run}})
}

func ruleID(d diag.Diagnostic) string {
	if d.Rule == "" {
		return "shipshape"
	}
	return d.Rule
}

func sarifLevel(s diag.Severity) string {
	switch s {
	case diag.Error:
		return "error"
	case diag.Warning:
		return "warning"
	}
	return "note"
}
