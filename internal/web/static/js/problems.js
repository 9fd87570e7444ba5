// What each request's fields are called when left empty or mistyped, from
// openapi.yaml's x-labels (go test ./internal/web -run ShippedModules
// -update writes it from httpapi.ProblemsJS): do not edit.
export default {
  "POST /holders": {
    "contact": {
      "required": "Enter your contact details"
    },
    "contact.address": {
      "required": "Enter the address"
    },
    "contact.address.city": {
      "required": "Enter the town or city"
    },
    "contact.address.country": {
      "required": "Enter the country code"
    },
    "contact.address.line1": {
      "required": "Enter the first line of the address"
    },
    "contact.address.line2": {
      "required": "Enter the second line of the address"
    },
    "contact.address.postalCode": {
      "required": "Enter the ZIP or postal code"
    },
    "contact.address.region": {
      "required": "Enter the state or region"
    },
    "contact.phone": {
      "required": "Enter the phone number"
    },
    "email": {
      "required": "Enter your email address",
      "email": "Enter your email address in the correct format, like name@example.org"
    },
    "firstName": {
      "required": "Enter your first name"
    },
    "lastName": {
      "required": "Enter your last name"
    }
  },
  "POST /holders/me/submissions": {
    "activities": {
      "required": "Add the activities"
    },
    "activities[].compliance": {
      "required": "Choose whether activity {n} addresses legislative or regulatory compliance"
    },
    "activities[].date": {
      "required": "Enter the date of activity {n}"
    },
    "activities[].documentation": {
      "required": "Enter the documentation of activity {n}"
    },
    "activities[].documentation.reference": {
      "required": "Enter the certificate number or file name of activity {n}"
    },
    "activities[].documentation.type": {
      "required": "Choose the type of documentation of activity {n}"
    },
    "activities[].hours": {
      "required": "Enter the hours (CECs) of activity {n}"
    },
    "activities[].kind": {
      "required": "Choose the kind of activity {n}"
    },
    "activities[].organisation": {
      "required": "Enter who offered activity {n}"
    },
    "activities[].purchasedThroughAffiliate": {
      "required": "Choose whether activity {n} was bought through the local affiliate"
    },
    "activities[].title": {
      "required": "Enter the title of activity {n}"
    },
    "activities[].vendor": {
      "required": "Enter the vendor of activity {n}"
    },
    "year": {
      "required": "Enter the renewal year"
    }
  },
  "POST /programs": {
    "calendarOptIn": {
      "required": "Choose whether to list it on the public CEC calendar"
    },
    "compliance": {
      "required": "Choose whether it addresses legislative or regulatory compliance"
    },
    "contactHours": {
      "required": "Enter the contact hours (CECs)"
    },
    "description": {
      "required": "Enter a description of the program"
    },
    "endsAt": {
      "required": "Enter the end date and time"
    },
    "format": {
      "required": "Choose the format"
    },
    "instructors": {
      "required": "Add the instructors' names"
    },
    "location": {
      "required": "Enter the venue and its address"
    },
    "objectives": {
      "required": "Add the learning objectives"
    },
    "startsAt": {
      "required": "Enter the start date and time"
    },
    "timeZone": {
      "required": "Choose the time zone"
    },
    "title": {
      "required": "Enter the program's title"
    },
    "url": {
      "required": "Enter the web address where people attend"
    }
  },
  "POST /programs/{programId}/attendance": {
    "rows": {
      "required": "Add the attendees"
    },
    "rows[].completionDate": {
      "required": "Enter the completion date"
    },
    "rows[].firstName": {
      "required": "Enter the first name"
    },
    "rows[].holderId": {
      "required": "Enter the holder ID"
    },
    "rows[].lastName": {
      "required": "Enter the last name"
    },
    "rows[].programId": {
      "required": "Enter the program ID"
    }
  },
  "POST /programs/{programId}/decision": {
    "decision": {
      "required": "Choose whether to approve or reject"
    },
    "reason": {
      "required": "Enter the reason"
    }
  },
  "POST /providers": {
    "address": {
      "required": "Enter the organisation's address"
    },
    "address.city": {
      "required": "Enter the town or city"
    },
    "address.country": {
      "required": "Enter the country code"
    },
    "address.line1": {
      "required": "Enter the first line of the address"
    },
    "address.line2": {
      "required": "Enter the second line of the address"
    },
    "address.postalCode": {
      "required": "Enter the ZIP or postal code"
    },
    "address.region": {
      "required": "Enter the state or region"
    },
    "contactName": {
      "required": "Enter the contact person's name"
    },
    "email": {
      "required": "Enter the organisation's email address",
      "email": "Enter the organisation's email address in the correct format, like name@example.org"
    },
    "name": {
      "required": "Enter the organisation's name"
    },
    "phone": {
      "required": "Enter the organisation's phone number"
    }
  },
  "POST /submissions/{submissionId}/decision": {
    "activities": {
      "required": "Add the activities to reject"
    },
    "activities[].decision": {
      "required": "Choose the decision"
    },
    "activities[].index": {
      "required": "Enter the activity"
    },
    "activities[].reason": {
      "required": "Enter the reason for rejecting it"
    },
    "decision": {
      "required": "Choose whether to approve or reject"
    },
    "reason": {
      "required": "Enter the reason"
    }
  },
  "PUT /holders/me/contact": {
    "address": {
      "required": "Enter your address"
    },
    "address.city": {
      "required": "Enter the town or city"
    },
    "address.country": {
      "required": "Enter the country code"
    },
    "address.line1": {
      "required": "Enter the first line of the address"
    },
    "address.line2": {
      "required": "Enter the second line of the address"
    },
    "address.postalCode": {
      "required": "Enter the ZIP or postal code"
    },
    "address.region": {
      "required": "Enter the state or region"
    },
    "email": {
      "required": "Enter your email address",
      "email": "Enter your email address in the correct format, like name@example.org"
    },
    "listedInDirectory": {
      "required": "Choose whether providers can find you in the directory"
    },
    "phone": {
      "required": "Enter your phone number"
    }
  },
  "PUT /holders/{holderId}/credentials": {
    "credentials": {
      "required": "Add the credentials"
    },
    "credentials[].code": {
      "required": "Choose the credential"
    },
    "credentials[].earnedOn": {
      "required": "Enter the date the credential was earned"
    },
    "membership": {
      "required": "Choose the membership"
    }
  },
  "PUT /programs/{programId}": {
    "calendarOptIn": {
      "required": "Choose whether to list it on the public CEC calendar"
    },
    "compliance": {
      "required": "Choose whether it addresses legislative or regulatory compliance"
    },
    "contactHours": {
      "required": "Enter the contact hours (CECs)"
    },
    "description": {
      "required": "Enter a description of the program"
    },
    "endsAt": {
      "required": "Enter the end date and time"
    },
    "format": {
      "required": "Choose the format"
    },
    "instructors": {
      "required": "Add the instructors' names"
    },
    "location": {
      "required": "Enter the venue and its address"
    },
    "objectives": {
      "required": "Add the learning objectives"
    },
    "startsAt": {
      "required": "Enter the start date and time"
    },
    "timeZone": {
      "required": "Choose the time zone"
    },
    "title": {
      "required": "Enter the program's title"
    },
    "url": {
      "required": "Enter the web address where people attend"
    }
  }
};
