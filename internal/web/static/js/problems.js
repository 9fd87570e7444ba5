// What each request's fields are called when left empty or mistyped, from
// openapi.yaml's x-labels (go test ./internal/web -run ShippedModules
// -update writes it from httpapi.ProblemsJS): do not edit.
export default {
  "POST /badges/verify": {
    "credential": {
      "label": "the badge",
      "required": "Enter the badge"
    }
  },
  "POST /holders": {
    "contact": {
      "label": "your contact details",
      "required": "Enter your contact details"
    },
    "contact.address": {
      "label": "the address",
      "required": "Enter the address"
    },
    "contact.address.city": {
      "label": "the town or city",
      "required": "Enter the town or city"
    },
    "contact.address.country": {
      "label": "the country code",
      "required": "Enter the country code"
    },
    "contact.address.line1": {
      "label": "the first line of the address",
      "required": "Enter the first line of the address"
    },
    "contact.address.line2": {
      "label": "the second line of the address",
      "required": "Enter the second line of the address"
    },
    "contact.address.postalCode": {
      "label": "the ZIP or postal code",
      "required": "Enter the ZIP or postal code"
    },
    "contact.address.region": {
      "label": "the state or region",
      "required": "Enter the state or region"
    },
    "contact.phone": {
      "label": "the phone number",
      "required": "Enter the phone number"
    },
    "email": {
      "label": "your email address",
      "required": "Enter your email address",
      "email": "Enter your email address in the correct format, like name@example.org"
    },
    "firstName": {
      "label": "your first name",
      "required": "Enter your first name"
    },
    "lastName": {
      "label": "your last name",
      "required": "Enter your last name"
    }
  },
  "POST /holders/me/documents": {
    "contentType": {
      "label": "the file",
      "required": "Choose the file"
    },
    "name": {
      "label": "the file's name",
      "required": "Enter the file's name"
    },
    "size": {
      "label": "the file",
      "required": "Enter the file"
    }
  },
  "POST /holders/me/submissions": {
    "activities": {
      "label": "the activities",
      "required": "Add the activities"
    },
    "activities[].compliance": {
      "label": "whether activity {n} addresses legislative or regulatory compliance",
      "required": "Choose whether activity {n} addresses legislative or regulatory compliance"
    },
    "activities[].date": {
      "label": "the date of activity {n}",
      "required": "Enter the date of activity {n}"
    },
    "activities[].documentation": {
      "label": "the documentation of activity {n}",
      "required": "Enter the documentation of activity {n}"
    },
    "activities[].documentation.reference": {
      "label": "the certificate number of activity {n}",
      "required": "Enter the certificate number of activity {n}"
    },
    "activities[].documentation.type": {
      "label": "the type of documentation of activity {n}",
      "required": "Choose the type of documentation of activity {n}"
    },
    "activities[].documents": {
      "label": "the files of activity {n}",
      "required": "Add the files of activity {n}"
    },
    "activities[].hours": {
      "label": "the hours (CECs) of activity {n}",
      "required": "Enter the hours (CECs) of activity {n}"
    },
    "activities[].kind": {
      "label": "the kind of activity {n}",
      "required": "Choose the kind of activity {n}"
    },
    "activities[].organisation": {
      "label": "who offered activity {n}",
      "required": "Enter who offered activity {n}"
    },
    "activities[].purchasedThroughAffiliate": {
      "label": "whether activity {n} was bought through the local affiliate",
      "required": "Choose whether activity {n} was bought through the local affiliate"
    },
    "activities[].title": {
      "label": "the title of activity {n}",
      "required": "Enter the title of activity {n}"
    },
    "activities[].vendor": {
      "label": "the vendor of activity {n}",
      "required": "Enter the vendor of activity {n}"
    },
    "year": {
      "label": "the renewal year",
      "required": "Enter the renewal year"
    }
  },
  "POST /holders/me/submissions/{submissionId}/documents": {
    "activities": {
      "label": "the activities",
      "required": "Add the activities"
    },
    "activities[].documents": {
      "label": "the files of activity {n}",
      "required": "Add the files of activity {n}"
    },
    "activities[].index": {
      "label": "the activity",
      "required": "Enter the activity"
    }
  },
  "POST /holders/{holderId}/badges/{kind}/{key}/revoke": {
    "reason": {
      "label": "why the badge is withdrawn",
      "required": "Enter why the badge is withdrawn"
    }
  },
  "POST /programs": {
    "calendarOptIn": {
      "label": "whether to list it on the public CEC calendar",
      "required": "Choose whether to list it on the public CEC calendar"
    },
    "compliance": {
      "label": "whether it addresses legislative or regulatory compliance",
      "required": "Choose whether it addresses legislative or regulatory compliance"
    },
    "contactHours": {
      "label": "the contact hours (CECs)",
      "required": "Enter the contact hours (CECs)"
    },
    "description": {
      "label": "a description of the program",
      "required": "Enter a description of the program"
    },
    "endsAt": {
      "label": "the end date and time",
      "required": "Enter the end date and time"
    },
    "format": {
      "label": "the format",
      "required": "Choose the format"
    },
    "instructors": {
      "label": "the instructors' names",
      "required": "Add the instructors' names"
    },
    "location": {
      "label": "the venue and its address",
      "required": "Enter the venue and its address"
    },
    "moreOfferings": {
      "label": "the other offerings",
      "required": "Add the other offerings"
    },
    "moreOfferings[].endsAt": {
      "label": "the offering's end date and time",
      "required": "Enter the offering's end date and time"
    },
    "moreOfferings[].location": {
      "label": "the offering's venue and its address",
      "required": "Enter the offering's venue and its address"
    },
    "moreOfferings[].startsAt": {
      "label": "the offering's start date and time",
      "required": "Enter the offering's start date and time"
    },
    "moreOfferings[].timeZone": {
      "label": "the offering's time zone",
      "required": "Choose the offering's time zone"
    },
    "moreOfferings[].url": {
      "label": "the offering's web address",
      "required": "Enter the offering's web address"
    },
    "objectives": {
      "label": "the learning objectives",
      "required": "Add the learning objectives"
    },
    "startsAt": {
      "label": "the start date and time",
      "required": "Enter the start date and time"
    },
    "timeZone": {
      "label": "the time zone",
      "required": "Choose the time zone"
    },
    "title": {
      "label": "the program's title",
      "required": "Enter the program's title"
    },
    "url": {
      "label": "the web address where people attend",
      "required": "Enter the web address where people attend"
    }
  },
  "POST /programs/{programId}/attendance": {
    "rows": {
      "label": "the attendees",
      "required": "Add the attendees"
    },
    "rows[].completionDate": {
      "label": "the completion date",
      "required": "Enter the completion date"
    },
    "rows[].firstName": {
      "label": "the first name",
      "required": "Enter the first name"
    },
    "rows[].holderId": {
      "label": "the holder ID",
      "required": "Enter the holder ID"
    },
    "rows[].lastName": {
      "label": "the last name",
      "required": "Enter the last name"
    },
    "rows[].programId": {
      "label": "the program ID",
      "required": "Enter the program ID"
    }
  },
  "POST /programs/{programId}/attendance/{uploadId}/corrections": {
    "action": {
      "label": "whether to remove or add the attendee",
      "required": "Choose whether to remove or add the attendee"
    },
    "completionDate": {
      "label": "the completion date",
      "required": "Enter the completion date"
    },
    "firstName": {
      "label": "the first name",
      "required": "Enter the first name"
    },
    "holderId": {
      "label": "the holder ID",
      "required": "Enter the holder ID"
    },
    "lastName": {
      "label": "the last name",
      "required": "Enter the last name"
    },
    "reason": {
      "label": "the reason for the correction",
      "required": "Enter the reason for the correction"
    }
  },
  "POST /programs/{programId}/decision": {
    "decision": {
      "label": "whether to approve or reject",
      "required": "Choose whether to approve or reject"
    },
    "reason": {
      "label": "the reason",
      "required": "Enter the reason"
    }
  },
  "POST /providers": {
    "address": {
      "label": "the organisation's address",
      "required": "Enter the organisation's address"
    },
    "address.city": {
      "label": "the town or city",
      "required": "Enter the town or city"
    },
    "address.country": {
      "label": "the country code",
      "required": "Enter the country code"
    },
    "address.line1": {
      "label": "the first line of the address",
      "required": "Enter the first line of the address"
    },
    "address.line2": {
      "label": "the second line of the address",
      "required": "Enter the second line of the address"
    },
    "address.postalCode": {
      "label": "the ZIP or postal code",
      "required": "Enter the ZIP or postal code"
    },
    "address.region": {
      "label": "the state or region",
      "required": "Enter the state or region"
    },
    "contactName": {
      "label": "the contact person's name",
      "required": "Enter the contact person's name"
    },
    "email": {
      "label": "the organisation's email address",
      "required": "Enter the organisation's email address",
      "email": "Enter the organisation's email address in the correct format, like name@example.org"
    },
    "name": {
      "label": "the organisation's name",
      "required": "Enter the organisation's name"
    },
    "phone": {
      "label": "the organisation's phone number",
      "required": "Enter the organisation's phone number"
    }
  },
  "POST /review/payment-issues/{issueId}/notes": {
    "note": {
      "label": "the note",
      "required": "Enter the note"
    },
    "resolved": {
      "label": "whether the issue is resolved",
      "required": "Choose whether the issue is resolved"
    }
  },
  "POST /submissions/{submissionId}/decision": {
    "activities": {
      "label": "the activities to reject",
      "required": "Add the activities to reject"
    },
    "activities[].decision": {
      "label": "the decision",
      "required": "Choose the decision"
    },
    "activities[].index": {
      "label": "the activity",
      "required": "Enter the activity"
    },
    "activities[].reason": {
      "label": "the reason for rejecting it",
      "required": "Enter the reason for rejecting it"
    },
    "decision": {
      "label": "whether to approve or reject",
      "required": "Choose whether to approve or reject"
    },
    "reason": {
      "label": "the reason",
      "required": "Enter the reason"
    }
  },
  "POST /undeliverable-emails/resume": {
    "email": {
      "label": "the email address",
      "required": "Enter the email address",
      "email": "Enter the email address in the correct format, like name@example.org"
    }
  },
  "PUT /holders/me/contact": {
    "address": {
      "label": "your address",
      "required": "Enter your address"
    },
    "address.city": {
      "label": "the town or city",
      "required": "Enter the town or city"
    },
    "address.country": {
      "label": "the country code",
      "required": "Enter the country code"
    },
    "address.line1": {
      "label": "the first line of the address",
      "required": "Enter the first line of the address"
    },
    "address.line2": {
      "label": "the second line of the address",
      "required": "Enter the second line of the address"
    },
    "address.postalCode": {
      "label": "the ZIP or postal code",
      "required": "Enter the ZIP or postal code"
    },
    "address.region": {
      "label": "the state or region",
      "required": "Enter the state or region"
    },
    "email": {
      "label": "your email address",
      "required": "Enter your email address",
      "email": "Enter your email address in the correct format, like name@example.org"
    },
    "listedInDirectory": {
      "label": "whether providers can find you in the directory",
      "required": "Choose whether providers can find you in the directory"
    },
    "phone": {
      "label": "your phone number",
      "required": "Enter your phone number"
    }
  },
  "PUT /holders/me/email-preferences": {
    "off": {
      "label": "the reminders to stop",
      "required": "Add the reminders to stop"
    }
  },
  "PUT /holders/{holderId}/credentials": {
    "credentials": {
      "label": "the credentials",
      "required": "Add the credentials"
    },
    "credentials[].code": {
      "label": "the credential",
      "required": "Choose the credential"
    },
    "credentials[].earnedOn": {
      "label": "the date the credential was earned",
      "required": "Enter the date the credential was earned"
    },
    "membership": {
      "label": "the membership",
      "required": "Choose the membership"
    }
  },
  "PUT /holders/{holderId}/renewals/{year}/lapse": {
    "reason": {
      "label": "the reason for the change",
      "required": "Enter the reason for the change"
    },
    "waived": {
      "label": "whether the lapse is reversed",
      "required": "Choose whether the lapse is reversed"
    }
  },
  "PUT /programs/{programId}": {
    "calendarOptIn": {
      "label": "whether to list it on the public CEC calendar",
      "required": "Choose whether to list it on the public CEC calendar"
    },
    "compliance": {
      "label": "whether it addresses legislative or regulatory compliance",
      "required": "Choose whether it addresses legislative or regulatory compliance"
    },
    "contactHours": {
      "label": "the contact hours (CECs)",
      "required": "Enter the contact hours (CECs)"
    },
    "description": {
      "label": "a description of the program",
      "required": "Enter a description of the program"
    },
    "endsAt": {
      "label": "the end date and time",
      "required": "Enter the end date and time"
    },
    "format": {
      "label": "the format",
      "required": "Choose the format"
    },
    "instructors": {
      "label": "the instructors' names",
      "required": "Add the instructors' names"
    },
    "location": {
      "label": "the venue and its address",
      "required": "Enter the venue and its address"
    },
    "moreOfferings": {
      "label": "the other offerings",
      "required": "Add the other offerings"
    },
    "moreOfferings[].endsAt": {
      "label": "the offering's end date and time",
      "required": "Enter the offering's end date and time"
    },
    "moreOfferings[].location": {
      "label": "the offering's venue and its address",
      "required": "Enter the offering's venue and its address"
    },
    "moreOfferings[].startsAt": {
      "label": "the offering's start date and time",
      "required": "Enter the offering's start date and time"
    },
    "moreOfferings[].timeZone": {
      "label": "the offering's time zone",
      "required": "Choose the offering's time zone"
    },
    "moreOfferings[].url": {
      "label": "the offering's web address",
      "required": "Enter the offering's web address"
    },
    "objectives": {
      "label": "the learning objectives",
      "required": "Add the learning objectives"
    },
    "startsAt": {
      "label": "the start date and time",
      "required": "Enter the start date and time"
    },
    "timeZone": {
      "label": "the time zone",
      "required": "Choose the time zone"
    },
    "title": {
      "label": "the program's title",
      "required": "Enter the program's title"
    },
    "url": {
      "label": "the web address where people attend",
      "required": "Enter the web address where people attend"
    }
  },
  "PUT /providers/me/email-preferences": {
    "off": {
      "label": "the reminders to stop",
      "required": "Add the reminders to stop"
    }
  }
};
