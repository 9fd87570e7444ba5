// Generated from the association's policy file (policy/default.yaml): the numbers
// and lists the forms show before the API answers. Regenerate it when the policy
// changes (docs/web.md); the local stack serves one from the policy it runs.
export default {
  "association": {
    "name": "Apartment Management Institute",
    "shortName": "AMI",
    "timeZone": "America/New_York",
    "supportEmail": "cec@example.org",
    "colours": {
      "accent": "#1f4e79",
      "accentText": "#ffffff"
    }
  },
  "programs": {
    "currency": "USD",
    "applicationFeePerCecCents": 5000,
    "lateFeePerCecCents": 2500,
    "lateWithinDays": 30,
    "refundable": false,
    "minContactHours": "0.5",
    "maxContactHours": "100"
  },
  "credentials": [
    {
      "code": "CAM",
      "name": "Certified Apartment Manager",
      "cecsPerYear": "6"
    },
    {
      "code": "NALP",
      "name": "National Apartment Leasing Professional",
      "cecsPerYear": "3"
    },
    {
      "code": "CAPS",
      "name": "Certified Apartment Portfolio Supervisor",
      "cecsPerYear": "6"
    },
    {
      "code": "CAS",
      "name": "Certified Apartment Supplier",
      "cecsPerYear": "3"
    },
    {
      "code": "AIME",
      "name": "AIME membership",
      "cecsPerYear": "3"
    }
  ],
  "documentation": {
    "education": [
      "certificate_of_completion",
      "transcript_or_exam_result",
      "receipt_or_payment_confirmation",
      "affiliate_cec_reporting_form"
    ],
    "service": [
      "directory_or_newsletter_listing",
      "appointment_letter",
      "published_article_copy",
      "promotional_piece",
      "teaching_confirmation_letter"
    ]
  },
  "activityKinds": [
    {
      "code": "national_conference",
      "name": "Session of the association's national conference (live or recorded)",
      "category": "association",
      "documentation": [
        "education"
      ]
    },
    {
      "code": "association_course",
      "name": "Course or seminar of the national association, its education institute or a local affiliate",
      "category": "association",
      "documentation": [
        "education"
      ]
    },
    {
      "code": "association_board",
      "name": "Serving on an association or affiliate board or committee",
      "category": "association",
      "documentation": [
        "service"
      ]
    },
    {
      "code": "legislative_event",
      "name": "Taking part in an industry legislative event",
      "category": "association",
      "documentation": [
        "education",
        "service"
      ]
    },
    {
      "code": "association_instruction",
      "name": "Instructing association or affiliate courses without pay",
      "category": "association",
      "documentation": [
        "service"
      ]
    },
    {
      "code": "college_course",
      "name": "Accredited college or university course",
      "category": "other",
      "documentation": [
        "education"
      ]
    },
    {
      "code": "housing_organization_program",
      "name": "Program of a national housing organisation",
      "category": "other",
      "documentation": [
        "education"
      ]
    },
    {
      "code": "real_estate_board_course",
      "name": "Course approved by a state real-estate board or commission",
      "category": "other",
      "documentation": [
        "education"
      ]
    },
    {
      "code": "housing_board_service",
      "name": "Serving on a housing-related board, committee, commission or task force",
      "category": "other",
      "documentation": [
        "service"
      ]
    },
    {
      "code": "industry_instruction",
      "name": "Instructing industry courses without pay",
      "category": "other",
      "documentation": [
        "service"
      ]
    },
    {
      "code": "published_article",
      "name": "Original article published, without pay, in an industry publication",
      "category": "other",
      "documentation": [
        "service"
      ]
    }
  ],
  "notAccepted": [
    {
      "code": "corporate_in_house_training",
      "name": "Corporate in-house training"
    }
  ],
  "vendors": [
    "Example Online Academy"
  ],
  "earnedYearsBefore": 1,
  "rollingMonthsBeforeDue": 0,
  "periodYears": 1,
  "periodAnchor": "calendar",
  "issueDaysBeforeDue": 0,
  "reportingWindowDays": 45,
  "reinstatementFeeCents": 5000,
  "attachments": {
    "maxMegabytes": 10,
    "perActivity": 5
  }
};
